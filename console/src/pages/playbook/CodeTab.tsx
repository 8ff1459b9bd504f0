// The playbook as Sekoia's JSON: read, copied, downloaded, or edited and applied to the draft.
import { useState } from "react";
import { jsonMessage, toYaml } from "../../api/playbookText";
import type { PlaybookJson } from "../../api/types";

type Props = { playbook: PlaybookJson; onChange?: (next: PlaybookJson) => void };

export function CodeTab({ playbook, onChange }: Props) {
  const shown = JSON.stringify(playbook, null, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  const apply = () => {
    try {
      const parsed = JSON.parse(text) as PlaybookJson;
      if (!parsed || typeof parsed !== "object" || typeof parsed.nodes !== "object") {
        setError("A playbook is an object with `name` and `nodes`.");
        return;
      }
      setError(null);
      onChange?.(parsed);
    } catch (e) {
      setError(jsonMessage(text, e));
    }
  };
  const download = async (format: "json" | "yaml") => {
    const text = format === "json" ? shown : await toYaml(playbook);
    const url = URL.createObjectURL(new Blob([text], { type: format === "json" ? "application/json" : "application/yaml" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${playbook.name || "playbook"}.${format}`;
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <section aria-labelledby="code-title" className="code">
      <h2 id="code-title">Code</h2>
      <textarea
        aria-label="Playbook JSON"
        value={text}
        readOnly={!onChange}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        rows={30}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        {onChange && (
          <button type="button" onClick={apply} disabled={text === shown}>
            Apply to the draft
          </button>
        )}
        <button type="button" onClick={() => download("json")}>
          Export JSON
        </button>
        <button type="button" onClick={() => download("yaml")}>
          Export YAML
        </button>
      </div>
    </section>
  );
}

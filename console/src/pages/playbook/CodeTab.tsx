// The playbook as Sekoia's JSON: read, copied, downloaded, or edited and applied to the draft.
import { useState } from "react";
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
      setError(jsonError(text, e));
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([shown], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${playbook.name || "playbook"}.json`;
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
        <button type="button" onClick={download}>
          Export JSON
        </button>
      </div>
    </section>
  );
}

/** The parser's complaint with the line it points at, where the browser says the position. */
function jsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return `Not JSON: ${message}`;
  const line = text.slice(0, Number(position)).split("\n").length;
  return `Not JSON, line ${line}: ${message}`;
}

// `+ PLAYBOOK`: from scratch (name it, pick its trigger) or from Sekoia JSON.
import { useMemo, useRef, useState } from "react";
import { useLocation } from "wouter";
import { api, problem } from "../api/client";
import { type Block, nodeFor, useCatalogue } from "../api/modules";
import { readPlaybook } from "../api/playbookText";
import type { PlaybookJson } from "../api/types";

export function NewPlaybook() {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" className="primary" onClick={() => dialog.current?.showModal()}>
        + PLAYBOOK
      </button>
      <dialog ref={dialog} aria-labelledby="new-playbook-title" className="dialog">
        <NewPlaybookForm onClose={() => dialog.current?.close()} />
      </dialog>
    </>
  );
}

function NewPlaybookForm({ onClose }: { onClose: () => void }) {
  const catalogue = useCatalogue();
  const [, navigate] = useLocation();
  const [mode, setMode] = useState<"scratch" | "import">("scratch");
  const [name, setName] = useState("New playbook");
  const [search, setSearch] = useState("");
  const [json, setJson] = useState("");
  const [error, setError] = useState<string | null>(null);
  const triggers = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return (catalogue?.all() ?? [])
      .filter((b) => b.kind === "trigger")
      .filter((b) => words.every((w) => `${b.manifest.name} ${b.module.name}`.toLowerCase().includes(w)))
      .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  }, [catalogue, search]);

  const create = async (playbook: PlaybookJson) => {
    const { data, error } = await api.POST("/api/v1/symphony/playbooks", { body: { playbook: playbook as never } });
    if (!data) return setError(problem(error));
    onClose();
    navigate(`/playbooks/${data.uuid}/workflow`);
  };
  const fromTrigger = (block: Block) =>
    create({ name, nodes: { "0": { ...nodeFor(block), position: { x: 0, y: 0 }, outputs: { default: [] } } } });
  const fromText = async () => {
    const read = await readPlaybook(json);
    if ("error" in read) return setError(read.error);
    // A playbook without positions (written by hand, or by another tool) is laid out.
    const { withPositions } = await import("../editor/layout");
    await create(withPositions(read.playbook));
  };
  const fromFile = async (file: File | undefined) => {
    if (file) setJson(await file.text());
  };

  return (
    <div>
      <h2 id="new-playbook-title">New playbook</h2>
      <div role="radiogroup" aria-label="Start from" className="row">
        <label className="check">
          <input type="radio" checked={mode === "scratch"} onChange={() => setMode("scratch")} />
          Create a playbook from scratch
        </label>
        <label className="check">
          <input type="radio" checked={mode === "import"} onChange={() => setMode("import")} />
          Import a playbook (Sekoia JSON or YAML)
        </label>
      </div>
      {mode === "scratch" ? (
        <>
          <label htmlFor="new-playbook-name">Name</label>
          <input id="new-playbook-name" value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor="trigger-search">Trigger</label>
          <input id="trigger-search" type="search" placeholder="Search triggers" value={search} onChange={(e) => setSearch(e.target.value)} />
          <ul className="choices" aria-label="Triggers">
            {triggers.map((block) => (
              <li key={block.manifest.uuid}>
                <button type="button" onClick={() => fromTrigger(block)}>
                  {block.manifest.name} <span className="muted">{block.module.name}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <label htmlFor="import-file">From a file</label>
          <input id="import-file" type="file" accept=".json,.yaml,.yml,application/json" onChange={(e) => fromFile(e.target.files?.[0])} />
          <label htmlFor="import-json">Playbook (JSON or YAML)</label>
          <textarea id="import-json" rows={12} value={json} spellCheck={false} onChange={(e) => setJson(e.target.value)} />
          <button type="button" className="primary" onClick={fromText} disabled={json.trim() === ""}>
            Import
          </button>
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="button" className="quiet" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}

// The block library: every trigger and action the server offers, grouped by module. A block is
// dragged onto the graph, or, from the keyboard, inserted after the selected block with Enter.
import { type DragEvent, useMemo, useState } from "react";
import type { Block, Catalogue } from "../api/modules";
import { BLOCK_MIME } from "./Canvas";

type Props = {
  catalogue: Catalogue;
  hasTrigger: boolean;
  onInsert: (block: Block) => void;
};

export function BlockLibrary({ catalogue, hasTrigger, onInsert }: Props) {
  const [search, setSearch] = useState("");
  const [kind, setKind] = useState<"all" | "action" | "trigger">(hasTrigger ? "action" : "all");
  const groups = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (block: Block) => {
      const text = `${block.manifest.name} ${block.module.name} ${block.manifest.description ?? ""}`.toLowerCase();
      return (kind === "all" || block.kind === kind) && words.every((w) => text.includes(w));
    };
    const byModule = new Map<string, Block[]>();
    for (const block of catalogue.all().filter(matches)) {
      byModule.set(block.module.name, [...(byModule.get(block.module.name) ?? []), block]);
    }
    return [...byModule.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [catalogue, search, kind]);

  const onDragStart = (event: DragEvent, block: Block) => {
    event.dataTransfer.setData(BLOCK_MIME, block.manifest.uuid);
    event.dataTransfer.effectAllowed = "copy";
  };

  return (
    <aside className="library" aria-label="Block library">
      <input
        type="search"
        aria-label="Search blocks"
        placeholder="Search blocks"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      <div className="kinds" role="group" aria-label="Show">
        {(["all", "action", "trigger"] as const).map((k) => (
          <button key={k} type="button" aria-pressed={kind === k} onClick={() => setKind(k)}>
            {k === "all" ? "All" : k === "action" ? "Actions" : "Triggers"}
          </button>
        ))}
      </div>
      {groups.length === 0 && <p className="muted">No block matches.</p>}
      {groups.map(([module, blocks]) => (
        <section key={module} aria-label={module}>
          <h3>{module}</h3>
          <ul>
            {blocks.map((block) => (
              <li key={block.manifest.uuid}>
                <button
                  type="button"
                  className="library-block"
                  draggable
                  onDragStart={(e) => onDragStart(e, block)}
                  onClick={() => onInsert(block)}
                  title={block.manifest.description}
                >
                  <span>{block.manifest.name}</span>
                  <span className="muted">{block.kind}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

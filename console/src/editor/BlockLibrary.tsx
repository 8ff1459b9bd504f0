// The block library: Sekoia's operators, then every trigger and action the server offers,
// grouped by module. A block is dragged onto the graph, or, from the keyboard, inserted after
// the selected block with Enter.
import { type DragEvent, useMemo, useState } from "react";
import { type Block, type Catalogue, nodeFor } from "../api/modules";
import type { NodeJson } from "../api/types";
import { BLOCK_MIME } from "./Canvas";
import { type Operator, operatorNode } from "./playbook";

type Props = {
  catalogue: Catalogue;
  hasTrigger: boolean;
  onInsert: (node: NodeJson) => void;
};

/** The operators offered, as the library names them; dragged as `operator:<subtype>`. */
export const OPERATORS: { subtype: Operator; name: string; description: string }[] = [
  { subtype: "condition", name: "Condition", description: "Takes the branch of the first case that holds, else the else branch" },
  { subtype: "foreach", name: "Foreach", description: "Runs its loop body once per item of a list, then goes on" },
  { subtype: "store", name: "Store", description: "Sets, unsets, appends to or removes from keys of the run's store" },
  { subtype: "any", name: "Any", description: "Joins branches: goes on as soon as one arrives" },
  { subtype: "all", name: "All", description: "Joins branches: waits for every one" },
];

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
  // Operators follow a trigger as actions do: listed unless only triggers are asked for.
  const operators = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    if (kind === "trigger") return [];
    return OPERATORS.filter((o) => words.every((w) => `${o.name} operator ${o.description}`.toLowerCase().includes(w)));
  }, [search, kind]);

  const onDragStart = (event: DragEvent, key: string) => {
    event.dataTransfer.setData(BLOCK_MIME, key);
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
      {groups.length === 0 && operators.length === 0 && <p className="muted">No block matches.</p>}
      {operators.length > 0 && (
        <section aria-label="Operators">
          <h3>Operators</h3>
          <ul>
            {operators.map((operator) => (
              <li key={operator.subtype}>
                <button
                  type="button"
                  className="library-block"
                  draggable
                  onDragStart={(e) => onDragStart(e, `operator:${operator.subtype}`)}
                  onClick={() => onInsert(operatorNode(operator.subtype))}
                  title={operator.description}
                >
                  <span>{operator.name}</span>
                  <span className="muted">operator</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
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
                  onDragStart={(e) => onDragStart(e, block.manifest.uuid)}
                  onClick={() => onInsert(nodeFor(block))}
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

// The playbook editor: block library, graph, the selected block's panel and the issues the
// server's validator finds. Over a run it shows that run on the graph, read-only.
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useMemo, useState } from "react";
import { type Block, type Catalogue, nodeFor } from "../api/modules";
import type { Diagnostic, PlaybookJson, Position } from "../api/types";
import { type NodeRun, BlockPanel } from "./BlockPanel";
import { BlockLibrary } from "./BlockLibrary";
import { Canvas } from "./Canvas";
import { type TestResult, TestBar } from "./TestBar";
import { BLOCK_HEIGHT } from "./layout";
import {
  addNode,
  connect,
  disconnect,
  moveNodes,
  nodeOfProblem,
  removeNodes,
  setArgument,
  updateNode,
} from "./playbook";

type Props = {
  playbook: PlaybookJson;
  catalogue: Catalogue;
  problems: Diagnostic[];
  warnings?: Diagnostic[];
  /** Over a run: what each node did. */
  run?: Record<string, NodeRun>;
  onChange?: (next: PlaybookJson) => void;
  /** The saved playbook's UUID, for test runs and past runs' events. */
  playbookUuid?: string;
};

export function Editor({ playbook, catalogue, problems, warnings = [], run, onChange, playbookUuid }: Props) {
  const readOnly = onChange === undefined;
  const [selected, setSelected] = useState<string | null>(null);
  // Mocked and pinned outputs live here, never in the playbook.
  const [mocks, setMocks] = useState<Record<string, unknown>>({});
  const [tested, setTested] = useState<TestResult | null>(null);
  const shown = run ?? tested?.nodes;
  const mock = (id: string, value: unknown) =>
    setMocks((current) => {
      const next = { ...current };
      if (value === undefined) delete next[id];
      else next[id] = value;
      return next;
    });
  const change = useCallback((next: PlaybookJson) => onChange?.(next), [onChange]);
  const issues = useMemo(() => countByNode(problems), [problems]);
  const statuses = useMemo(
    () => (shown ? Object.fromEntries(Object.entries(shown).map(([id, n]) => [id, n.status])) : undefined),
    [shown],
  );

  const insert = (block: Block, position?: Position) => {
    const after = selected ? playbook.nodes[selected] : undefined;
    const at = position ?? (after?.position ? { x: after.position.x, y: after.position.y + BLOCK_HEIGHT + 70 } : { x: 0, y: 0 });
    const added = addNode(playbook, { ...nodeFor(block), position: at });
    let next = added.playbook;
    // From the keyboard (no drop position), the new block follows the selected one.
    if (!position && selected && block.kind === "action") next = connect(next, { source: selected, branch: "default", target: added.id });
    change(next);
    setSelected(added.id);
  };
  const dropBlock = (uuid: string, position: Position) => {
    const block = catalogue.all().find((b) => b.manifest.uuid === uuid);
    if (block) insert(block, position);
  };

  return (
    <div className={readOnly ? "editor read-only" : "editor"}>
      {!readOnly && (
        <BlockLibrary
          catalogue={catalogue}
          hasTrigger={Object.values(playbook.nodes).some((n) => n.type === "trigger")}
          onInsert={(block) => insert(block)}
        />
      )}
      <div className={readOnly ? "graph" : "graph with-test"}>
        {!readOnly && playbookUuid && (
          <TestBar playbook={playbook} playbookUuid={playbookUuid} mocks={mocks} result={tested} onResult={setTested} />
        )}
        <ReactFlowProvider>
          <Canvas
            playbook={playbook}
            catalogue={catalogue}
            issues={issues}
            statuses={statuses}
            selected={selected}
            readOnly={readOnly}
            onSelect={setSelected}
            onMove={(positions) => change(moveNodes(playbook, positions))}
            onConnect={(link) => change(connect(playbook, link))}
            onDisconnect={(links) => change(links.reduce(disconnect, playbook))}
            onRemove={(ids) => {
              change(removeNodes(playbook, ids));
              setSelected(null);
            }}
            onDropBlock={dropBlock}
          />
        </ReactFlowProvider>
        {!readOnly && <Issues problems={problems} warnings={warnings} playbook={playbook} onSelect={setSelected} />}
      </div>
      {selected && playbook.nodes[selected] && (
        <BlockPanel
          key={selected}
          id={selected}
          playbook={playbook}
          catalogue={catalogue}
          problems={problems.concat(warnings)}
          run={shown?.[selected]}
          runNodes={shown}
          runLabel={run ? "In this run" : "In the test run"}
          mock={mocks[selected]}
          onMock={readOnly ? undefined : (value) => mock(selected, value)}
          readOnly={readOnly}
          onChange={(c) => change(updateNode(playbook, selected, c))}
          onArgument={(key, value) => change(setArgument(playbook, selected, key, value))}
          onConnect={(link) => change(connect(playbook, link))}
          onDisconnect={(link) => change(disconnect(playbook, link))}
          onRemove={() => {
            change(removeNodes(playbook, [selected]));
            setSelected(null);
          }}
        />
      )}
    </div>
  );
}

type IssuesProps = {
  problems: Diagnostic[];
  warnings: Diagnostic[];
  playbook: PlaybookJson;
  onSelect: (id: string) => void;
};

/** The validator's findings; each one that is about a block selects it. */
function Issues({ problems, warnings, playbook, onSelect }: IssuesProps) {
  const all = [...problems.map((p) => ({ ...p, level: "Issue" })), ...warnings.map((w) => ({ ...w, level: "Warning" }))];
  return (
    <section className="issues" aria-label="Issues" aria-live="polite">
      <h2>{problems.length === 0 ? "No issue" : problems.length === 1 ? "1 issue" : `${problems.length} issues`}</h2>
      {all.length > 0 && (
        <ul>
          {all.map((issue) => {
            const node = nodeOfProblem(issue);
            const where = node && playbook.nodes[node] ? `${playbook.nodes[node].name} (node.${node})` : issue.path;
            return (
              <li key={`${issue.level}${issue.path}${issue.message}`}>
                <span className={issue.level === "Issue" ? "error" : "muted"}>{issue.level}</span>{" "}
                {node && playbook.nodes[node] ? (
                  <button type="button" className="link" onClick={() => onSelect(node)}>
                    {where}
                  </button>
                ) : (
                  <code>{where}</code>
                )}
                : {issue.message}
                {issue.hint && <span className="muted"> ({issue.hint})</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function countByNode(problems: Diagnostic[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const problem of problems) {
    const node = nodeOfProblem(problem);
    if (node) counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}

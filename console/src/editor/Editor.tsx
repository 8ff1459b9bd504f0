// The playbook editor: block library, graph, the selected block's panel and the issues the
// server's validator finds. Over a run it shows that run on the graph, read-only.
import { PanelResizer, usePanelWidth } from "./PanelResizer";
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type Catalogue, nodeFor } from "../api/modules";
import type { Diagnostic, NodeJson, PlaybookJson, Position } from "../api/types";
import { type NodeRun, BlockPanel } from "./BlockPanel";
import { BlockLibrary, OPERATORS } from "./BlockLibrary";
import { Canvas } from "./Canvas";
import { Shortcuts } from "./Shortcuts";
import { type TestResult, TestBar, useTester } from "./TestBar";
import { mocksIn, useKeptMocks } from "./keptDraft";
import { realCalls } from "./realCalls";
import { copyText } from "../clipboard";
import { PageSkipLinks, SkipLink } from "../SkipLinks";
import { BLOCK_HEIGHT, layoutPositions } from "./layout";
import {
  addNode,
  connect,
  disconnect,
  followingBranch,
  fragmentOf,
  moveNodes,
  nodeOfProblem,
  operatorNode,
  pasteFragment,
  readFragment,
  removeElements,
  removeNodes,
  setArgument,
  updateNode,
  upstreamOf,
  withNode,
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
  // Mocked and pinned outputs live beside the draft in this browser, never in the playbook; a
  // mock of a block deleted comes back with its undo.
  const kept = useKeptMocks(readOnly ? undefined : playbookUuid);
  const mocks = useMemo(() => mocksIn(playbook, kept.mocks), [playbook, kept.mocks]);
  const [tested, setTested] = useState<TestResult | null>(null);
  const tester = useTester(playbook, mocks, setTested);
  // "Test this block": it and the blocks before it, those that gave an output in the run shown
  // answering that output again rather than being called.
  const pinnedFor = (id: string) => {
    const pinned: Record<string, unknown> = {};
    for (const upstream of upstreamOf(playbook, id)) {
      const results = shown?.[upstream]?.results;
      if (playbook.nodes[upstream]?.type === "action" && results !== undefined) pinned[upstream] = results;
    }
    return pinned;
  };
  const callsFor = (id: string) => realCalls(playbook, id, { ...pinnedFor(id), ...mocks }, catalogue);
  // The block whose test waits for a yes: a block nothing answers would reach its real tool.
  const [confirming, setConfirming] = useState<string | null>(null);
  useEffect(() => setConfirming(null), [selected]);
  const testBlock = (id: string, sure = false) => {
    if (!sure && callsFor(id).length > 0) return setConfirming(id);
    setConfirming(null);
    void tester.run(pinnedFor(id), id);
  };
  const mockInstead = (id: string) => {
    for (const call of callsFor(id)) kept.mock(call.id, shown?.[call.id]?.results ?? {});
    setConfirming(null);
  };
  const [selection, setSelection] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const sheet = useRef<HTMLDialogElement>(null);
  const shown = run ?? tested?.nodes;
  const mock = kept.mock;
  const change = useCallback((next: PlaybookJson) => onChange?.(next), [onChange]);
  const issues = useMemo(() => countByNode(problems), [problems]);
  const statuses = useMemo(
    () => (shown ? Object.fromEntries(Object.entries(shown).map(([id, n]) => [id, n.status])) : undefined),
    [shown],
  );

  const insert = (node: NodeJson, position?: Position) => {
    const after = selected ? playbook.nodes[selected] : undefined;
    const at = position ?? (after?.position ? { x: after.position.x, y: after.position.y + BLOCK_HEIGHT + 70 } : { x: 0, y: 0 });
    const added = addNode(playbook, { ...node, position: at });
    let next = added.playbook;
    // From the keyboard (no drop position), the new block follows the selected one.
    const branch = after && followingBranch(after);
    if (!position && selected && branch && node.type !== "trigger") next = connect(next, { source: selected, branch, target: added.id });
    change(next);
    setSelected(added.id);
  };
  const dropBlock = (key: string, position: Position) => {
    const node = libraryNode(catalogue, key);
    if (node) insert(node, position);
  };

  const chosen = () => (selection.length > 0 ? selection : selected ? [selected] : []);
  const paste = (text: string) => {
    const fragment = readFragment(text);
    if (!fragment) return setNotice("The clipboard holds no blocks.");
    const pasted = pasteFragment(playbook, fragment, { x: 40, y: 40 });
    change(pasted.playbook);
    setSelected(pasted.ids[0] ?? null);
    setNotice(`${pasted.ids.length === 1 ? "1 block" : `${pasted.ids.length} blocks`} pasted.`);
  };
  // Shortcuts on the graph; in a field, keys type as usual.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLElement && event.target.closest("input, textarea, select, [contenteditable]")) return;
    const command = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (event.key === "?") {
      event.preventDefault();
      sheet.current?.showModal();
    } else if (command && key === "c" && chosen().length > 0) {
      event.preventDefault();
      void copyText(JSON.stringify(fragmentOf(playbook, chosen()), null, 2));
      setNotice(`${chosen().length === 1 ? "1 block" : `${chosen().length} blocks`} copied as Sekoia JSON.`);
    } else if (!readOnly && command && key === "v") {
      event.preventDefault();
      void navigator.clipboard.readText().then(paste, () => setNotice("The browser did not give the clipboard."));
    } else if (!readOnly && command && key === "d" && chosen().length > 0) {
      event.preventDefault();
      paste(JSON.stringify(fragmentOf(playbook, chosen())));
    }
  };
  const layOut = () => change(moveNodes(playbook, layoutPositions(playbook)));
  // Into the graph at the selected block, else the trigger, else the first: Tab goes on from
  // there. A block off screen is not drawn: the graph itself takes the focus then.
  const toGraph = () => {
    const graph = document.getElementById("graph");
    const ids = Object.keys(playbook.nodes);
    const first = selected ?? ids.find((id) => playbook.nodes[id].type === "trigger") ?? ids[0];
    const node = first ? graph?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(first)}"]`) : null;
    return node ?? graph;
  };
  const panelShown = selected !== null && playbook.nodes[selected] !== undefined;
  // Mocked meanwhile, the test has nothing left to ask about.
  const [panelWidth, setPanelWidth, panelStyle] = usePanelWidth();
  const confirmed = confirming !== null && confirming === selected && !readOnly ? callsFor(confirming) : [];

  return (
    <div className={readOnly ? "editor read-only" : "editor"} onKeyDown={onKeyDown} style={panelStyle}>
      <PageSkipLinks>
        <SkipLink to={toGraph}>Skip to the graph</SkipLink>
        {panelShown && <SkipLink to={() => document.getElementById("block-panel")}>Skip to the block panel</SkipLink>}
      </PageSkipLinks>
      {!readOnly && (
        <BlockLibrary
          catalogue={catalogue}
          hasTrigger={Object.values(playbook.nodes).some((n) => n.type === "trigger")}
          onInsert={(node) => insert(node)}
        />
      )}
      <div className="graph">
        <div className="toolbar row">
          {!readOnly && playbookUuid && (
            <TestBar tester={tester} playbookUuid={playbookUuid} mocks={mocks} result={tested} onResult={setTested} />
          )}
          <FindBlock playbook={playbook} onFound={setSelected} />
          {!readOnly && (
            <button type="button" onClick={layOut}>
              Auto-layout
            </button>
          )}
          <button type="button" onClick={() => sheet.current?.showModal()} aria-keyshortcuts="?">
            Shortcuts
          </button>
          {notice && (
            <span role="status" className="muted">
              {notice}
            </span>
          )}
        </div>
        <Shortcuts dialog={sheet} />
        <ReactFlowProvider>
          <Canvas
            playbook={playbook}
            catalogue={catalogue}
            issues={issues}
            statuses={statuses}
            selected={selected}
            readOnly={readOnly}
            onSelect={setSelected}
            onSelection={setSelection}
            onMove={(positions) => change(moveNodes(playbook, positions))}
            onConnect={(link) => change(connect(playbook, link))}
            onDelete={(ids, links) => {
              change(removeElements(playbook, ids, links));
              if (ids.length > 0) setSelected(null);
            }}
            onDropBlock={dropBlock}
          />
        </ReactFlowProvider>
        {!readOnly && <Issues problems={problems} warnings={warnings} playbook={playbook} onSelect={setSelected} />}
      </div>
      {selected && panelShown && <PanelResizer width={panelWidth} onResize={setPanelWidth} />}
      {selected && panelShown && (
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
          onTest={readOnly || !playbookUuid ? undefined : () => testBlock(selected)}
          confirm={
            confirmed.length > 0
              ? {
                  calls: confirmed,
                  run: () => testBlock(selected, true),
                  mock: () => mockInstead(selected),
                  cancel: () => setConfirming(null),
                }
              : undefined
          }
          readOnly={readOnly}
          onChange={(c) => change(updateNode(playbook, selected, c))}
          onNode={(node) => change(withNode(playbook, selected, node))}
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

/** The node a library item makes: an operator (`operator:condition`) or a module's block, by UUID. */
function libraryNode(catalogue: Catalogue, key: string): NodeJson | undefined {
  const operator = OPERATORS.find((o) => `operator:${o.subtype}` === key);
  if (operator) return operatorNode(operator.subtype);
  const block = catalogue.all().find((b) => b.manifest.uuid === key);
  return block && nodeFor(block);
}

/** Finds a block by its name or `node.N` id and selects it (the graph brings it into view). */
function FindBlock({ playbook, onFound }: { playbook: PlaybookJson; onFound: (id: string) => void }) {
  const [text, setText] = useState("");
  const [missing, setMissing] = useState(false);
  const find = () => {
    const wanted = text.trim().toLowerCase().replace(/^node\./, "");
    const found = Object.entries(playbook.nodes).find(([id, node]) => id === wanted || node.name.toLowerCase().includes(wanted));
    setMissing(!found);
    if (found) onFound(found[0]);
  };
  return (
    <form
      className="find row"
      role="search"
      aria-label="Find a block"
      onSubmit={(e) => {
        e.preventDefault();
        find();
      }}
    >
      <input
        type="search"
        aria-label="Find a block"
        placeholder="Find a block: name or node.N"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit">Find</button>
      {missing && <span className="error">No block matches.</span>}
    </form>
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
      <h2>{issuesHeading(problems.length, warnings.length)}</h2>
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

/** "No issue", or what there is: problems stop the playbook from running, warnings do not. */
export function issuesHeading(problems: number, warnings: number): string {
  const count = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);
  const parts = [problems > 0 ? count(problems, "issue", "issues") : "", warnings > 0 ? count(warnings, "warning", "warnings") : ""];
  return parts.filter(Boolean).join(", ") || "No issue";
}

function countByNode(problems: Diagnostic[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const problem of problems) {
    const node = nodeOfProblem(problem);
    if (node) counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}

// The graph: blocks and their links, drawn by React Flow from the playbook's JSON.
import {
  Background,
  Controls,
  type Edge,
  MarkerType,
  MiniMap,
  type NodeChange,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
} from "@xyflow/react";
import { type DragEvent, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Catalogue } from "../api/modules";
import type { PlaybookJson, Position } from "../api/types";
import { BlockNode, type BlockFlowNode } from "./BlockNode";
import { useChosenTheme } from "../Theme";
import { BLOCK_HEIGHT, BLOCK_WIDTH } from "./layout";
import { type Link, exitsOf, linksOf } from "./playbook";

const nodeTypes = { block: BlockNode };

export const BLOCK_MIME = "application/x-riposte-block";

type Props = {
  playbook: PlaybookJson;
  catalogue: Catalogue;
  issues: Record<string, number>;
  statuses?: Record<string, string>;
  selected: string | null;
  readOnly: boolean;
  onSelect: (id: string | null) => void;
  /** Every block selected (several with Shift, or a box drawn with Shift held). */
  onSelection: (ids: string[]) => void;
  onMove: (positions: Record<string, Position>) => void;
  onConnect: (link: Link) => void;
  /** Blocks and links deleted on the graph (Delete, Backspace): one edit, so one undo. */
  onDelete: (ids: string[], links: Link[]) => void;
  onDropBlock: (blockUuid: string, position: Position) => void;
};

export function Canvas(props: Props) {
  const { playbook, catalogue, issues, statuses, selected, readOnly } = props;
  const flow = useReactFlow();
  const derived = useMemo(() => flowNodes(playbook, catalogue, issues, statuses), [playbook, catalogue, issues, statuses]);
  // React Flow moves blocks in its own state while they are dragged (the playbook takes the
  // positions once the drag ends, as one step of the history) and keeps which are selected.
  const [nodes, setNodes] = useState(derived);
  useEffect(
    () =>
      setNodes((current) => {
        const chosen = new Set(current.filter((n) => n.selected).map((n) => n.id));
        return derived.map((n) => (chosen.has(n.id) ? { ...n, selected: true } : n));
      }),
    [derived],
  );
  // A block selected from outside the graph (found, inserted, chosen in the issues) is the
  // selection.
  useEffect(() => {
    if (!selected) return;
    setNodes((current) =>
      current.some((n) => n.id === selected && n.selected) ? current : current.map((n) => ({ ...n, selected: n.id === selected })),
    );
  }, [selected]);
  const edges = useMemo(() => flowEdges(playbook, statuses), [playbook, statuses]);
  const box = useRef<HTMLDivElement>(null);
  const theme = useChosenTheme();
  useRevealed(selected, box, nodes);

  const onNodesChange = (changes: NodeChange<BlockFlowNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    const moved: Record<string, Position> = {};
    for (const change of changes) {
      if (change.type === "position" && change.dragging === false && change.position) moved[change.id] = change.position;
      if (change.type === "select" && change.selected) props.onSelect(change.id);
    }
    if (Object.keys(moved).length > 0) props.onMove(moved);
  };
  // React Flow reports a deletion as the links' removal, then the blocks': taken as two edits
  // of the same playbook, they made two undo steps, the second one bringing a block back
  // without its links. onDelete has both at once; links are drawn from the playbook, so their
  // own changes need no handling.
  const onDelete = ({ nodes: gone, edges: cut }: { nodes: BlockFlowNode[]; edges: Edge[] }) =>
    props.onDelete(
      gone.map((n) => n.id),
      cut.map((e) => linkOf(e.id)),
    );
  const onConnect = (connection: Connection) =>
    props.onConnect({ source: connection.source, branch: connection.sourceHandle ?? "default", target: connection.target });

  // React Flow calls this on every change of its nodes: the selection is passed on only when it
  // is another one, and the callback keeps its identity.
  const { onSelection } = props;
  const lastSelection = useRef("");
  const onSelectionChange = useCallback(
    ({ nodes: chosen }: { nodes: BlockFlowNode[] }) => {
      const ids = chosen.map((n) => n.id);
      const key = ids.join("\u0000");
      if (key === lastSelection.current) return;
      lastSelection.current = key;
      onSelection(ids);
    },
    [onSelection],
  );

  const onDragOver = (event: DragEvent) => {
    if (event.dataTransfer.types.includes(BLOCK_MIME)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  };
  const onDrop = (event: DragEvent) => {
    const block = event.dataTransfer.getData(BLOCK_MIME);
    if (!block) return;
    event.preventDefault();
    // The block lands centred under the pointer.
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    props.onDropBlock(block, { x: at.x - BLOCK_WIDTH / 2, y: at.y - BLOCK_HEIGHT / 2 });
  };

  return (
    <div className="canvas" id="graph" role="region" aria-label="Graph" tabIndex={-1} ref={box} onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onDelete={onDelete}
        onConnect={onConnect}
        colorMode={theme}
        onPaneClick={() => props.onSelect(null)}
        onSelectionChange={onSelectionChange}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        multiSelectionKeyCode={["Shift", "Control", "Meta"]}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        minZoom={0.1}
        onlyRenderVisibleElements
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ "node.a11yDescription.default": "Press Enter to select this block, then the arrow keys to move it." }}
      >
        <Background />
        <Controls />
        <MiniMap pannable zoomable ariaLabel="Minimap of the playbook" nodeColor={minimapColor} />
      </ReactFlow>
    </div>
  );
}

/**
 * The selected block is brought into view when it is not (a block inserted from the keyboard).
 * A block just inserted is selected before the graph has it: it is revealed once it has.
 */
function useRevealed(selected: string | null, box: RefObject<HTMLDivElement | null>, nodes: BlockFlowNode[]) {
  const flow = useReactFlow();
  const revealed = useRef<string | null>(null);
  useEffect(() => {
    if (selected === revealed.current) return;
    if (!selected) {
      revealed.current = null;
      return;
    }
    const node = nodes.find((n) => n.id === selected);
    const size = box.current?.getBoundingClientRect();
    if (!node || !size) return;
    revealed.current = selected;
    const { x, y, zoom } = flow.getViewport();
    const left = node.position.x * zoom + x;
    const top = node.position.y * zoom + y;
    const inside = left >= 0 && top >= 0 && left + BLOCK_WIDTH * zoom <= size.width && top + BLOCK_HEIGHT * zoom <= size.height;
    if (!inside) void flow.setCenter(node.position.x + BLOCK_WIDTH / 2, node.position.y + BLOCK_HEIGHT / 2, { zoom });
  }, [selected, flow, box, nodes]);
}

/** Blocks on the minimap: by status over a run, else one colour readable on both themes. */
function minimapColor(node: BlockFlowNode): string {
  const status = node.data.status;
  if (status === "succeeded") return "#2f8f4e";
  if (status === "failed") return "#c4353b";
  return "#5b84b1";
}

function flowNodes(
  playbook: PlaybookJson,
  catalogue: Catalogue,
  issues: Record<string, number>,
  statuses: Record<string, string> | undefined,
): BlockFlowNode[] {
  return Object.entries(playbook.nodes).map(([id, node], index) => {
    const block = catalogue.blockOf(node);
    const kind = block ? `${block.module.name} · ${block.kind}` : node.type === "operator" ? `${node.subtype ?? "operator"}` : node.type;
    return {
      id,
      type: "block",
      position: node.position ?? { x: 0, y: index * 120 },
      ariaLabel: `${node.name}, node.${id}`,
      data: {
        id,
        name: node.name,
        kind,
        isTrigger: node.type === "trigger",
        branches: exitsOf(node),
        issues: issues[id] ?? 0,
        status: statuses?.[id],
        logo: block?.module.logo,
      },
    };
  });
}

function flowEdges(playbook: PlaybookJson, statuses: Record<string, string> | undefined): Edge[] {
  return linksOf(playbook)
    .filter((link) => playbook.nodes[link.target])
    .map((link) => {
      const state = statuses ? linkState(statuses, link) : undefined;
      return {
        id: `${link.source}\u0000${link.branch}\u0000${link.target}`,
        source: link.source,
        sourceHandle: link.branch,
        target: link.target,
        label: link.branch === "default" ? undefined : link.branch,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: state,
        ariaLabel: `From node.${link.source} to node.${link.target}${link.branch === "default" ? "" : ` (${link.branch})`}${state ? `: ${LINK_STATES[state]}` : ""}`,
      };
    });
}

/** How a link's state over a run reads, beside its look (never by its look alone). */
const LINK_STATES = { taken: "taken", waiting: "not reached yet", dead: "not taken" } as const;

/** Over a run, a link is taken once its target ran after its source, still to come while the
 * run may yet take it (its target pending), and dead when the run will not (a branch not taken,
 * a block skipped or cancelled). */
export function linkState(statuses: Record<string, string>, link: Link): "taken" | "waiting" | "dead" {
  const [source, target] = [statuses[link.source], statuses[link.target]];
  const over = (status: string | undefined) => status === undefined || status === "skipped" || status === "cancelled";
  if (over(source) || over(target)) return "dead";
  if (target === "pending" || source === "pending" || source === "running") return "waiting";
  return "taken";
}

function linkOf(edgeId: string): Link {
  const [source, branch, target] = edgeId.split("\u0000");
  return { source, branch, target };
}

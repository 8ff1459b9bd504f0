// Auto-layout with dagre, top to bottom as Sekoia draws playbooks.
import dagre from "@dagrejs/dagre";
import type { PlaybookJson, Position } from "../api/types";
import { linksOf } from "./playbook";

export const BLOCK_WIDTH = 240;
export const BLOCK_HEIGHT = 76;

/** Positions for every node, from the links alone. */
export function layoutPositions(playbook: PlaybookJson): Record<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 70 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of Object.keys(playbook.nodes)) graph.setNode(id, { width: BLOCK_WIDTH, height: BLOCK_HEIGHT });
  for (const link of linksOf(playbook)) {
    if (playbook.nodes[link.target]) graph.setEdge(link.source, link.target);
  }
  dagre.layout(graph);
  const positions: Record<string, Position> = {};
  for (const id of graph.nodes()) {
    const { x, y } = graph.node(id);
    positions[id] = { x: Math.round(x - BLOCK_WIDTH / 2), y: Math.round(y - BLOCK_HEIGHT / 2) };
  }
  return positions;
}

/** The playbook laid out when any of its nodes has no position (an import from elsewhere). */
export function withPositions(playbook: PlaybookJson): PlaybookJson {
  const missing = Object.values(playbook.nodes).some((node) => !isPosition(node.position));
  if (!missing) return playbook;
  const positions = layoutPositions(playbook);
  const nodes = Object.fromEntries(
    Object.entries(playbook.nodes).map(([id, node]) => [id, isPosition(node.position) ? node : { ...node, position: positions[id] }]),
  );
  return { ...playbook, nodes };
}

function isPosition(value: unknown): value is Position {
  const p = value as Position | undefined;
  return typeof p?.x === "number" && typeof p?.y === "number";
}

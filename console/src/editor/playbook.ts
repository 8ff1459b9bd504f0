// Edits of a playbook's JSON, each returning a new playbook: the editor keeps every version it
// made, which is what undo and redo walk through. Fields the editor does not know stay as they are.
import type { NodeJson, PlaybookJson, Position } from "../api/types";

export type Link = { source: string; branch: string; target: string };

/** The next free numeric node id: Sekoia numbers nodes "0", "1", "2"... */
export function nextNodeId(playbook: PlaybookJson): string {
  const numbers = Object.keys(playbook.nodes).map(Number).filter(Number.isInteger);
  return String(numbers.length === 0 ? 0 : Math.max(...numbers) + 1);
}

/** The branches a node can continue on: a condition's cases then `else`, otherwise `default`. */
export function branchesOf(node: NodeJson): string[] {
  if (node.type === "operator" && node.subtype?.toLowerCase() === "condition") {
    return [...(node.cases ?? []).map((c) => c.name), "else"];
  }
  return ["default"];
}

/** Every link of the playbook, from each node's `outputs` and a foreach's `loop`. */
export function linksOf(playbook: PlaybookJson): Link[] {
  const links: Link[] = [];
  for (const [source, node] of Object.entries(playbook.nodes)) {
    for (const [branch, targets] of Object.entries(node.outputs ?? {})) {
      for (const target of targets) links.push({ source, branch, target });
    }
    for (const target of node.loop ?? []) links.push({ source, branch: "loop", target });
  }
  return links;
}

export function withNode(playbook: PlaybookJson, id: string, node: NodeJson): PlaybookJson {
  return { ...playbook, nodes: { ...playbook.nodes, [id]: node } };
}

export function updateNode(playbook: PlaybookJson, id: string, change: Partial<NodeJson>): PlaybookJson {
  const node = playbook.nodes[id];
  return node ? withNode(playbook, id, { ...node, ...change }) : playbook;
}

/** Sets one argument; `undefined` removes it. */
export function setArgument(playbook: PlaybookJson, id: string, key: string, value: unknown): PlaybookJson {
  const node = playbook.nodes[id];
  if (!node) return playbook;
  const args = { ...(node.arguments ?? {}) };
  if (value === undefined) delete args[key];
  else args[key] = value;
  return withNode(playbook, id, { ...node, arguments: args });
}

export function addNode(playbook: PlaybookJson, node: NodeJson): { playbook: PlaybookJson; id: string } {
  const id = nextNodeId(playbook);
  return { playbook: withNode(playbook, id, { outputs: { default: [] }, ...node }), id };
}

/** Links `source` to `target` on `branch`; a link that exists already is left alone. */
export function connect(playbook: PlaybookJson, { source, branch, target }: Link): PlaybookJson {
  const node = playbook.nodes[source];
  if (!node || !playbook.nodes[target] || source === target) return playbook;
  if (branch === "loop") {
    const loop = node.loop ?? [];
    return loop.includes(target) ? playbook : withNode(playbook, source, { ...node, loop: [...loop, target] });
  }
  const targets = node.outputs?.[branch] ?? [];
  if (targets.includes(target)) return playbook;
  return withNode(playbook, source, { ...node, outputs: { ...node.outputs, [branch]: [...targets, target] } });
}

export function disconnect(playbook: PlaybookJson, { source, branch, target }: Link): PlaybookJson {
  const node = playbook.nodes[source];
  if (!node) return playbook;
  if (branch === "loop") return withNode(playbook, source, { ...node, loop: (node.loop ?? []).filter((t) => t !== target) });
  const targets = (node.outputs?.[branch] ?? []).filter((t) => t !== target);
  return withNode(playbook, source, { ...node, outputs: { ...node.outputs, [branch]: targets } });
}

/** Removes nodes and every link to them. */
export function removeNodes(playbook: PlaybookJson, ids: string[]): PlaybookJson {
  const gone = new Set(ids);
  const nodes: Record<string, NodeJson> = {};
  for (const [id, node] of Object.entries(playbook.nodes)) {
    if (gone.has(id)) continue;
    const outputs = Object.fromEntries(
      Object.entries(node.outputs ?? {}).map(([branch, targets]) => [branch, targets.filter((t) => !gone.has(t))]),
    );
    nodes[id] = node.loop ? { ...node, outputs, loop: node.loop.filter((t) => !gone.has(t)) } : { ...node, outputs };
  }
  return { ...playbook, nodes };
}

export function moveNodes(playbook: PlaybookJson, positions: Record<string, Position>): PlaybookJson {
  const nodes = { ...playbook.nodes };
  for (const [id, position] of Object.entries(positions)) {
    const node = nodes[id];
    if (node) nodes[id] = { ...node, position: { x: Math.round(position.x), y: Math.round(position.y) } };
  }
  return { ...playbook, nodes };
}

/** Ids of the nodes a run can pass through before reaching `id`: the blocks its templates may read. */
export function upstreamOf(playbook: PlaybookJson, id: string): string[] {
  const parents = new Map<string, string[]>();
  for (const link of linksOf(playbook)) parents.set(link.target, [...(parents.get(link.target) ?? []), link.source]);
  const seen = new Set<string>();
  const queue = [...(parents.get(id) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next) || next === id) continue;
    seen.add(next);
    queue.push(...(parents.get(next) ?? []));
  }
  return [...seen].sort((a, b) => Number(a) - Number(b));
}

/** The Jinja expression that reads `path` of node `id`'s output, as Sekoia writes it. */
export function expressionFor(id: string, path: string[]): string {
  return `{{ node.${id}${path.map((key) => `['${key.replaceAll("'", "\\'")}']`).join("")} }}`;
}

/** The node a problem of the validator is about: named, or read from its JSON path. */
export function nodeOfProblem(problem: { node?: string | null; path: string }): string | undefined {
  return problem.node ?? /^\$\.nodes\["([^"]+)"\]/.exec(problem.path)?.[1];
}

/** A copied part of a playbook: Sekoia's JSON for those nodes, as `{"nodes": {...}}`. */
export type Fragment = { nodes: Record<string, NodeJson> };

/** The nodes `ids` as a fragment, keeping only the links between them. */
export function fragmentOf(playbook: PlaybookJson, ids: string[]): Fragment {
  const kept = new Set(ids.filter((id) => playbook.nodes[id]));
  const nodes: Record<string, NodeJson> = {};
  for (const id of kept) {
    const node = playbook.nodes[id];
    const outputs = Object.fromEntries(
      Object.entries(node.outputs ?? {}).map(([branch, targets]) => [branch, targets.filter((t) => kept.has(t))]),
    );
    nodes[id] = node.loop ? { ...node, outputs, loop: node.loop.filter((t) => kept.has(t)) } : { ...node, outputs };
  }
  return { nodes };
}

/**
 * Adds a fragment's nodes under new ids, `offset` away from where they were: links between
 * them and their templates' `node.N` references follow the new ids. Answers the new ids.
 */
export function pasteFragment(playbook: PlaybookJson, fragment: Fragment, offset: Position): { playbook: PlaybookJson; ids: string[] } {
  const renamed = new Map<string, string>();
  let next = Number(nextNodeId(playbook));
  for (const id of Object.keys(fragment.nodes)) renamed.set(id, String(next++));
  const nodes = { ...playbook.nodes };
  for (const [id, node] of Object.entries(fragment.nodes)) {
    const moved = renameReferences(node, renamed) as NodeJson;
    const at = node.position ?? { x: 0, y: 0 };
    nodes[renamed.get(id) as string] = {
      ...moved,
      position: { x: at.x + offset.x, y: at.y + offset.y },
      outputs: Object.fromEntries(
        Object.entries(node.outputs ?? {}).map(([branch, targets]) => [
          branch,
          targets.filter((t) => renamed.has(t)).map((t) => renamed.get(t) as string),
        ]),
      ),
      ...(node.loop ? { loop: node.loop.filter((t) => renamed.has(t)).map((t) => renamed.get(t) as string) } : {}),
    };
  }
  return { playbook: { ...playbook, nodes }, ids: [...renamed.values()] };
}

/** `value` with each `node.N` / `node['N']` / `node[N]` of a renamed node pointing at its new id. */
function renameReferences(value: unknown, renamed: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\bnode(\.|\[\s*['"]?)(\d+)/g, (whole, between: string, id: string) =>
      renamed.has(id) ? `node${between}${renamed.get(id)}` : whole,
    );
  }
  if (Array.isArray(value)) return value.map((item) => renameReferences(item, renamed));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameReferences(v, renamed)]));
  }
  return value;
}

/** Reads a fragment from pasted text: a fragment, a whole playbook, or nothing usable. */
export function readFragment(text: string): Fragment | null {
  try {
    const parsed = JSON.parse(text) as { nodes?: unknown; playbook?: { nodes?: unknown } };
    const nodes = parsed?.nodes ?? parsed?.playbook?.nodes;
    if (!nodes || typeof nodes !== "object" || Array.isArray(nodes)) return null;
    const valid = Object.values(nodes).every((n) => n && typeof n === "object" && typeof (n as NodeJson).name === "string");
    return valid ? { nodes: nodes as Record<string, NodeJson> } : null;
  } catch {
    return null;
  }
}

// Edits of a playbook's JSON, each returning a new playbook: the editor keeps every version it
// made, which is what undo and redo walk through. Fields the editor does not know stay as they are.
import type { CaseJson, ModificationJson, NodeJson, PlaybookJson, Position } from "../api/types";

export type Link = { source: string; branch: string; target: string };

/** The next free numeric node id: Sekoia numbers nodes "0", "1", "2"... */
export function nextNodeId(playbook: PlaybookJson): string {
  const numbers = Object.keys(playbook.nodes).map(Number).filter(Number.isInteger);
  return String(numbers.length === 0 ? 0 : Math.max(...numbers) + 1);
}

/** The branches a node can continue on: a condition's cases then `else`, otherwise `default`. */
export function branchesOf(node: NodeJson): string[] {
  if (operatorOf(node) === "condition") return [...(node.cases ?? []).map((c) => c.name), "else"];
  return ["default"];
}

/** Every way out of a node: its branches, and a foreach's `loop` into its body. */
export function exitsOf(node: NodeJson): string[] {
  return operatorOf(node) === "foreach" ? ["default", "loop"] : branchesOf(node);
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

/**
 * Removes blocks and links as one edit: what the graph's Delete key takes (the selected blocks,
 * their links and the selected links), so that one undo gives all of it back.
 */
export function removeElements(playbook: PlaybookJson, ids: string[], links: Link[]): PlaybookJson {
  return removeNodes(links.reduce(disconnect, playbook), ids);
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

/** Sekoia's operators; `any` and `all` are the joins (the model reads subtypes in any case). */
export type Operator = "condition" | "foreach" | "store" | "any" | "all";
const OPERATOR_SUBTYPES: Operator[] = ["condition", "foreach", "store", "any", "all"];

/** Which operator a node is, if it is one. */
export function operatorOf(node: NodeJson): Operator | undefined {
  if (node.type !== "operator") return undefined;
  const subtype = node.subtype?.toLowerCase();
  return OPERATOR_SUBTYPES.find((o) => o === subtype);
}

export const COMPARISONS = ["==", "!=", "<", ">", "<=", ">=", "in", "not in", "range"] as const;
export const MODIFICATION_TYPES = ["set", "unset", "append", "remove"] as const;

/** A new operator block as Sekoia writes it: a condition starts with one case, every branch listed. */
export function operatorNode(operator: Operator): NodeJson {
  const base = { type: "operator" as const, subtype: operator };
  switch (operator) {
    case "condition":
      return { ...base, name: "Condition", cases: [newCase("case 1")], outputs: { "case 1": [], else: [] } };
    case "foreach":
      return { ...base, name: "Foreach", loop: [], outputs: { default: [] } };
    case "store":
      return { ...base, name: "Store", modifications: [], outputs: { default: [] } };
    case "any":
      return { ...base, name: "Any", outputs: { default: [] } };
    case "all":
      return { ...base, name: "All", outputs: { default: [] } };
  }
}

function newCase(name: string): CaseJson {
  return { name, left: "", comparison: "==", right: "" };
}

/**
 * The branch a block inserted after `node` is linked on: a condition's first branch with nothing
 * on it yet (none when every one has), a foreach's body while it is empty, otherwise `default`.
 */
export function followingBranch(node: NodeJson): string | undefined {
  const operator = operatorOf(node);
  if (operator === "condition") return branchesOf(node).find((b) => (node.outputs?.[b] ?? []).length === 0);
  if (operator === "foreach" && (node.loop ?? []).length === 0) return "loop";
  return "default";
}

/** Why `name` cannot name case `index` of a condition, or null when it can: names are branches. */
export function caseNameProblem(node: NodeJson, index: number, name: string): string | null {
  if (name.trim() === "") return "A case needs a name: it is the name of its branch.";
  if (name === "else") return "`else` is the branch taken when no case holds: name this case otherwise.";
  if ((node.cases ?? []).some((c, i) => i !== index && c.name === name)) return `Another case is named ${name}.`;
  return null;
}

/** A case added last, under a name no other case has; its branch starts empty. */
export function addCase(node: NodeJson): NodeJson {
  const cases = node.cases ?? [];
  let n = cases.length + 1;
  while (caseNameProblem(node, -1, `case ${n}`)) n += 1;
  const name = `case ${n}`;
  const outputs = { ...(node.outputs ?? {}) };
  outputs[name] ??= [];
  return { ...node, cases: [...cases, newCase(name)], outputs };
}

/** Renames case `index`, its branch and the links on it with it; a name it cannot take changes nothing. */
export function renameCase(node: NodeJson, index: number, name: string): NodeJson {
  const cases = node.cases ?? [];
  const old = cases[index]?.name;
  if (old === undefined || old === name || caseNameProblem(node, index, name)) return node;
  const outputs = Object.fromEntries(Object.entries(node.outputs ?? {}).map(([branch, targets]) => [branch === old ? name : branch, targets]));
  return { ...node, cases: cases.map((c, i) => (i === index ? { ...c, name } : c)), outputs };
}

export type CaseChange = { left?: unknown; comparison?: string; right?: unknown; description?: string; value_type?: string };

/** Changes fields of case `index` other than its name (see `renameCase`); `undefined` removes a field. */
export function updateCase(node: NodeJson, index: number, change: CaseChange): NodeJson {
  const cases = node.cases ?? [];
  if (!cases[index]) return node;
  return { ...node, cases: cases.map((c, i) => (i === index ? withoutUndefined({ ...c, ...change }) : c)) };
}

/** Removes case `index` and its branch, with the links on it. */
export function removeCase(node: NodeJson, index: number): NodeJson {
  const cases = node.cases ?? [];
  const gone = cases[index];
  if (!gone) return node;
  const rest = cases.filter((_, i) => i !== index);
  const outputs = { ...(node.outputs ?? {}) };
  if (!rest.some((c) => c.name === gone.name)) delete outputs[gone.name];
  return { ...node, cases: rest, outputs };
}

/** Moves case `index` to `to`: cases are checked in order, the first that holds is taken. */
export function moveCase(node: NodeJson, index: number, to: number): NodeJson {
  return { ...node, cases: moved(node.cases ?? [], index, to) };
}

export function addModification(node: NodeJson): NodeJson {
  return { ...node, modifications: [...(node.modifications ?? []), { key: "", type: "set", value: "" }] };
}

/**
 * Changes modification `index`. `unset` takes no value, so it drops it; the other types need
 * one, so a change to them (or a value cleared) keeps an empty one.
 */
export function updateModification(node: NodeJson, index: number, change: Partial<ModificationJson>): NodeJson {
  const modifications = node.modifications ?? [];
  const current = modifications[index];
  if (!current) return node;
  const next: ModificationJson = { ...current, ...change };
  if (next.type === "unset") delete next.value;
  else next.value ??= "";
  return { ...node, modifications: modifications.map((m, i) => (i === index ? next : m)) };
}

export function removeModification(node: NodeJson, index: number): NodeJson {
  return { ...node, modifications: (node.modifications ?? []).filter((_, i) => i !== index) };
}

/** Moves modification `index` to `to`: they are made in order. */
export function moveModification(node: NodeJson, index: number, to: number): NodeJson {
  return { ...node, modifications: moved(node.modifications ?? [], index, to) };
}

/**
 * Makes `target` a first block of the foreach's body. A block the foreach also leads to after
 * the loop is taken off that branch: a block is inside the loop or after it, not both.
 */
export function addToLoop(node: NodeJson, target: string): NodeJson {
  const loop = node.loop ?? [];
  const outputs = Object.fromEntries(Object.entries(node.outputs ?? {}).map(([b, targets]) => [b, targets.filter((t) => t !== target)]));
  return { ...node, loop: loop.includes(target) ? loop : [...loop, target], outputs };
}

/** Every block inside foreach `id`'s loop: those its `loop` starts, and all that follow them. */
export function loopBodyOf(playbook: PlaybookJson, id: string): string[] {
  const seen = new Set<string>();
  const queue = [...(playbook.nodes[id]?.loop ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    const node = playbook.nodes[next];
    if (seen.has(next) || next === id || !node) continue;
    seen.add(next);
    queue.push(...Object.values(node.outputs ?? {}).flat(), ...(node.loop ?? []));
  }
  return [...seen].sort((a, b) => Number(a) - Number(b));
}

/**
 * The validator's messages about the fields under `prefix` of node `id`, by field: for
 * `.cases[0].`, `$.nodes["3"].cases[0].left[1]` is about `left`. Several join with "; ".
 */
export function problemsAt(problems: { node?: string | null; path: string; message: string }[], id: string, prefix: string): Record<string, string> {
  const start = `$.nodes["${id}"]${prefix}`;
  const fields: Record<string, string> = {};
  for (const problem of problems) {
    if (!problem.path.startsWith(start)) continue;
    const field = problem.path.slice(start.length).split(/[.[]/)[0];
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${problem.message}` : problem.message;
  }
  return fields;
}

function moved<T>(list: T[], index: number, to: number): T[] {
  if (index < 0 || index >= list.length || to < 0 || to >= list.length || index === to) return list;
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item);
  return next;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// What changed between two versions of a playbook, path by path, in the server's path notation
// (`$.nodes["2"].arguments.url`).

export type Change = { path: string; kind: "added" | "removed" | "changed"; before?: unknown; after?: unknown };

/** Past this many changes the list stops: a diff is read by a person. */
export const MAX_CHANGES = 500;

export function diff(before: unknown, after: unknown, path = "$", changes: Change[] = []): Change[] {
  if (changes.length >= MAX_CHANGES) return changes;
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const at = `${path}${step(path, key)}`;
      if (!(key in after)) changes.push({ path: at, kind: "removed", before: before[key] });
      else if (!(key in before)) changes.push({ path: at, kind: "added", after: after[key] });
      else diff(before[key], after[key], at, changes);
    }
  } else if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => diff(item, after[i], `${path}[${i}]`, changes));
  } else if (JSON.stringify(before) !== JSON.stringify(after)) {
    changes.push({ path, kind: "changed", before, after });
  }
  return changes.slice(0, MAX_CHANGES);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Node ids are keys of `nodes` written as strings, as the server writes them. */
function step(path: string, key: string): string {
  return path === "$.nodes" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `[${JSON.stringify(key)}]` : `.${key}`;
}

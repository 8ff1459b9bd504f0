import { describe, expect, it } from "vitest";
import { diff } from "./diff";

describe("comparing two versions", () => {
  it("names each change by its path, as the server writes paths", () => {
    const v1 = { name: "p", nodes: { "1": { arguments: { url: "a" } } } };
    const v3 = { name: "p", nodes: { "1": { arguments: { url: "c" } }, "2": { name: "Archive" } } };
    expect(diff(v1, v3)).toEqual([
      { path: '$.nodes["1"].arguments.url', kind: "changed", before: "a", after: "c" },
      { path: '$.nodes["2"]', kind: "added", after: { name: "Archive" } },
    ]);
    expect(diff(v3, v1).map((c) => c.kind)).toEqual(["changed", "removed"]);
    expect(diff(v1, structuredClone(v1))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import type { PlaybookJson } from "../api/types";
import { forgetAllKept, keepMocks, keptMocks, mocksIn } from "./keptDraft";

/** localStorage as far as the kept drafts use it. */
function storage(entries: Record<string, string> = {}) {
  const map = new Map(Object.entries(entries));
  return {
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    map,
  };
}

describe("mocks kept in the browser", () => {
  it("are read back by playbook", () => {
    const s = storage();
    keepMocks(s, "a", { "2": { status_code: 202 } });
    expect(keptMocks(s, "a")).toEqual({ "2": { status_code: 202 } });
    expect(keptMocks(s, "b")).toEqual({});
  });
  it("leave nothing behind once none is left", () => {
    const s = storage();
    keepMocks(s, "a", { "2": {} });
    keepMocks(s, "a", {});
    expect(s.map.size).toBe(0);
  });
  it("read as none when what is kept is not theirs", () => {
    expect(keptMocks(storage({ "riposte:mocks:a": "[1]" }), "a")).toEqual({});
    expect(keptMocks(storage({ "riposte:mocks:a": "{not json" }), "a")).toEqual({});
  });
  it("answer only for the actions the playbook has", () => {
    const playbook = {
      nodes: { "1": { name: "A", type: "action" }, "2": { name: "C", type: "operator" } },
    } as unknown as PlaybookJson;
    const mocks = { "1": { ok: true } };
    expect(mocksIn(playbook, mocks)).toBe(mocks);
    expect(mocksIn(playbook, { "1": 1, "2": 2, "9": 9 })).toEqual({ "1": 1 });
  });
});

describe("logging out", () => {
  it("forgets every draft and mock, and nothing else", () => {
    const s = storage({ "riposte:draft:a": "{}", "riposte:mocks:a": "{}", "riposte:draft:b": "{}", "riposte:theme": "dark" });
    forgetAllKept(s);
    expect([...s.map.keys()]).toEqual(["riposte:theme"]);
  });
});

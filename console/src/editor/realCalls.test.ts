import { describe, expect, it } from "vitest";
import type { PlaybookJson } from "../api/types";
import { realCalls } from "./realCalls";

const playbook = {
  name: "Sync",
  nodes: {
    "0": { name: "Alert Created", type: "trigger", outputs: { default: ["1"] } },
    "1": { name: "Get Alert", type: "action", action_uuid: "get", arguments: { uuid: "x" }, outputs: { default: ["2"] } },
    "2": { name: "Is it bad?", type: "operator", outputs: { true: ["3"] } },
    "3": { name: "Request URL", type: "action", action_uuid: "request", arguments: { url: "http://tool/sink" }, outputs: {} },
  },
} as unknown as PlaybookJson;

const catalogue = {
  blockOf: (node: { action_uuid?: string }) =>
    node.action_uuid === "request"
      ? ({ module: { name: "HTTP" }, manifest: { name: "Request URL" } } as never)
      : undefined,
};

describe("the real calls of a block's test", () => {
  it("names the block first, then the actions before it, with the tool and its address", () => {
    expect(realCalls(playbook, "3", {}, catalogue)).toEqual([
      { id: "3", name: "Request URL", tool: "HTTP: Request URL", url: "http://tool/sink" },
      { id: "1", name: "Get Alert", tool: "an action this server does not know" },
    ]);
  });
  it("leaves out what a mock or a pinned output answers, and blocks that are not actions", () => {
    expect(realCalls(playbook, "3", { "3": { status_code: 200 } }, catalogue).map((c) => c.id)).toEqual(["1"]);
    expect(realCalls(playbook, "3", { "1": {}, "3": null }, catalogue)).toEqual([]);
    expect(realCalls(playbook, "2", { "1": {} }, catalogue)).toEqual([]);
  });
});

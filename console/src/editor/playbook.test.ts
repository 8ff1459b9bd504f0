import { describe, expect, it } from "vitest";
import type { PlaybookJson } from "../api/types";
import { connect, fragmentOf, linksOf, pasteFragment, readFragment, removeNodes, upstreamOf } from "./playbook";

const seed: PlaybookJson = {
  name: "seed",
  nodes: {
    "0": { name: "Alert Created", type: "trigger", position: { x: 0, y: 0 }, outputs: { default: ["1"] } },
    "1": {
      name: "Get Alert",
      type: "action",
      arguments: { uuid: "{{ node.0['alert_uuid'] }}" },
      position: { x: 0, y: 150 },
      outputs: { default: ["2"] },
    },
    "2": {
      name: "Request URL",
      type: "action",
      arguments: { json: "{\"rule\": \"{{ node.1['rule']['name'] }}\", \"id\": \"{{ node[0].alert_uuid }}\"}" },
      position: { x: 0, y: 300 },
      outputs: { default: [] },
    },
  },
};

describe("pasting a fragment", () => {
  it("gives new ids, keeps the links inside it and rewrites its references", () => {
    const fragment = fragmentOf(seed, ["1", "2"]);
    expect(Object.keys(fragment.nodes)).toEqual(["1", "2"]);
    const { playbook, ids } = pasteFragment(seed, fragment, { x: 40, y: 40 });
    expect(ids).toEqual(["3", "4"]);
    expect(playbook.nodes["3"].outputs).toEqual({ default: ["4"] });
    expect(playbook.nodes["4"].arguments?.json).toBe("{\"rule\": \"{{ node.3['rule']['name'] }}\", \"id\": \"{{ node[0].alert_uuid }}\"}");
    expect(playbook.nodes["3"].arguments?.uuid).toBe("{{ node.0['alert_uuid'] }}");
    expect(playbook.nodes["4"].position).toEqual({ x: 40, y: 340 });
    expect(seed.nodes["3"]).toBeUndefined();
  });

  it("drops links to nodes left out of the copy", () => {
    const fragment = fragmentOf(seed, ["0", "1"]);
    expect(fragment.nodes["1"].outputs).toEqual({ default: [] });
    expect(fragment.nodes["0"].outputs).toEqual({ default: ["1"] });
  });

  it("reads a fragment, a whole playbook, and refuses other text", () => {
    expect(readFragment(JSON.stringify({ nodes: seed.nodes }))?.nodes["1"].name).toBe("Get Alert");
    expect(readFragment(JSON.stringify({ playbook: seed }))?.nodes["2"].name).toBe("Request URL");
    expect(readFragment("hello")).toBeNull();
    expect(readFragment(JSON.stringify({ nodes: { "1": 3 } }))).toBeNull();
  });
});

describe("editing links", () => {
  it("removes a node with every link to it", () => {
    const next = removeNodes(seed, ["1"]);
    expect(next.nodes["0"].outputs).toEqual({ default: [] });
    expect(linksOf(next)).toEqual([]);
  });

  it("links once, and never a node to itself", () => {
    const once = connect(seed, { source: "0", branch: "default", target: "2" });
    expect(connect(once, { source: "0", branch: "default", target: "2" })).toBe(once);
    expect(connect(seed, { source: "1", branch: "default", target: "1" })).toBe(seed);
  });

  it("offers a block the blocks upstream of it only", () => {
    expect(upstreamOf(seed, "2")).toEqual(["0", "1"]);
    expect(upstreamOf(seed, "0")).toEqual([]);
  });
});

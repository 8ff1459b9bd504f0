import { describe, expect, it } from "vitest";
import type { NodeJson, PlaybookJson } from "../api/types";
import {
  addCase,
  addModification,
  addToLoop,
  branchesOf,
  caseNameProblem,
  connect,
  exitsOf,
  followingBranch,
  fragmentOf,
  linksOf,
  loopBodyOf,
  moveCase,
  moveModification,
  operatorNode,
  operatorOf,
  pasteFragment,
  problemsAt,
  readFragment,
  removeCase,
  removeModification,
  removeElements,
  removeNodes,
  renameCase,
  updateCase,
  updateModification,
  upstreamOf,
} from "./playbook";
import { historyOf, pushed, undone } from "./useDraft";

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

  it("removes blocks and links as one edit, which one undo takes back whole", () => {
    const deleted = removeElements(seed, ["1"], [
      { source: "0", branch: "default", target: "1" },
      { source: "1", branch: "default", target: "2" },
    ]);
    expect(Object.keys(deleted.nodes)).toEqual(["0", "2"]);
    expect(linksOf(deleted)).toEqual([]);
    const history = pushed(historyOf(seed), deleted);
    expect(history.states).toHaveLength(2);
    expect(undone(history).states[undone(history).index]).toBe(seed);
  });

  it("removes a link alone, keeping its blocks", () => {
    const next = removeElements(seed, [], [{ source: "1", branch: "default", target: "2" }]);
    expect(Object.keys(next.nodes)).toEqual(["0", "1", "2"]);
    expect(linksOf(next)).toEqual([{ source: "0", branch: "default", target: "1" }]);
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

describe("operators", () => {
  it("are known by their subtype in any case, as the server reads them", () => {
    expect(operatorOf({ name: "j", type: "operator", subtype: "Any" })).toBe("any");
    expect(operatorOf({ name: "j", type: "operator", subtype: "ALL" })).toBe("all");
    expect(operatorOf({ name: "j", type: "operator", subtype: "loop" })).toBeUndefined();
    expect(operatorOf({ name: "a", type: "action", subtype: "condition" })).toBeUndefined();
  });

  it("start as blocks the server accepts once their fields are filled", () => {
    expect(operatorNode("all")).toEqual({ name: "All", type: "operator", subtype: "all", outputs: { default: [] } });
    expect(operatorNode("foreach")).toEqual({ name: "Foreach", type: "operator", subtype: "foreach", loop: [], outputs: { default: [] } });
    expect(operatorNode("store")).toEqual({ name: "Store", type: "operator", subtype: "store", modifications: [], outputs: { default: [] } });
  });
});

describe("a condition's cases", () => {
  const condition = (): NodeJson => ({
    ...operatorNode("condition"),
    cases: [
      { name: "high", left: "{{ node.1.severity }}", comparison: ">=", right: "{{ 70 }}" },
      { name: "medium", left: "{{ node.1.severity }}", comparison: ">=", right: "{{ 40 }}" },
    ],
    outputs: { high: ["3"], medium: ["4"], else: ["5"] },
  });

  it("starts with one case and its branches, as Sekoia writes them", () => {
    const node = operatorNode("condition");
    expect(node).toMatchObject({ type: "operator", subtype: "condition" });
    expect(node.cases).toEqual([{ name: "case 1", left: "", comparison: "==", right: "" }]);
    expect(branchesOf(node)).toEqual(["case 1", "else"]);
    expect(node.outputs).toEqual({ "case 1": [], else: [] });
  });

  it("adds a case under a name no other has", () => {
    const node = addCase({ ...condition(), cases: [...(condition().cases ?? []), { name: "case 4", left: "", comparison: "==", right: "" }] });
    expect(node.cases?.map((c) => c.name)).toEqual(["high", "medium", "case 4", "case 5"]);
    expect(node.outputs?.["case 5"]).toEqual([]);
  });

  it("renames a case with its branch, and its links follow", () => {
    const node = renameCase(condition(), 0, "critical");
    expect(node.cases?.[0].name).toBe("critical");
    expect(node.outputs).toEqual({ critical: ["3"], medium: ["4"], else: ["5"] });
    expect(Object.keys(node.outputs ?? {})).toEqual(["critical", "medium", "else"]);
  });

  it("refuses a name that is another case's, else, or empty", () => {
    const node = condition();
    expect(caseNameProblem(node, 0, "medium")).toBe("Another case is named medium.");
    expect(caseNameProblem(node, 0, "else")).toMatch(/else/);
    expect(caseNameProblem(node, 0, " ")).toMatch(/needs a name/);
    expect(caseNameProblem(node, 0, "high")).toBeNull();
    for (const name of ["medium", "else", ""]) expect(renameCase(node, 0, name)).toBe(node);
  });

  it("changes a case's sides, comparison and type; an unset type leaves no field", () => {
    let node = updateCase(condition(), 1, { comparison: "<", value_type: "integer" });
    expect(node.cases?.[1]).toEqual({ name: "medium", left: "{{ node.1.severity }}", comparison: "<", right: "{{ 40 }}", value_type: "integer" });
    node = updateCase(node, 1, { value_type: undefined, right: "" });
    expect(node.cases?.[1]).toEqual({ name: "medium", left: "{{ node.1.severity }}", comparison: "<", right: "" });
    expect(updateCase(node, 7, { left: "x" })).toBe(node);
  });

  it("removes a case with its branch and the links on it", () => {
    const node = removeCase(condition(), 0);
    expect(node.cases?.map((c) => c.name)).toEqual(["medium"]);
    expect(node.outputs).toEqual({ medium: ["4"], else: ["5"] });
  });

  it("reorders cases, which are checked in order; links stay on their branch", () => {
    const node = moveCase(condition(), 1, 0);
    expect(node.cases?.map((c) => c.name)).toEqual(["medium", "high"]);
    expect(node.outputs).toEqual(condition().outputs);
    expect(moveCase(node, 0, -1).cases).toBe(node.cases);
  });
});

describe("a store's keys", () => {
  it("adds, changes, reorders and removes modifications", () => {
    let node = addModification(addModification(operatorNode("store")));
    expect(node.modifications).toEqual([{ key: "", type: "set", value: "" }, { key: "", type: "set", value: "" }]);
    node = updateModification(node, 0, { key: "seen", value: "{{ node.1.id }}" });
    node = updateModification(node, 1, { key: "ids", type: "append", value: "{{ node.1.id }}" });
    node = moveModification(node, 1, 0);
    expect(node.modifications?.map((m) => m.key)).toEqual(["ids", "seen"]);
    node = removeModification(node, 0);
    expect(node.modifications).toEqual([{ key: "seen", type: "set", value: "{{ node.1.id }}" }]);
  });

  it("unset takes no value; the types that need one keep an empty one", () => {
    let node = updateModification(addModification(operatorNode("store")), 0, { key: "k", type: "unset" });
    expect(node.modifications).toEqual([{ key: "k", type: "unset" }]);
    node = updateModification(node, 0, { type: "remove" });
    expect(node.modifications).toEqual([{ key: "k", type: "remove", value: "" }]);
  });
});

describe("a foreach's body", () => {
  const looping: PlaybookJson = {
    name: "loop",
    nodes: {
      "0": { name: "Trigger", type: "trigger", outputs: { default: ["1"] } },
      "1": { name: "Items", type: "action", outputs: { default: ["2"] } },
      "2": { ...operatorNode("foreach"), items: "{{ node.1.items }}", loop: ["3"], outputs: { default: ["5"] } },
      "3": { name: "Each", type: "action", outputs: { default: ["4"] } },
      "4": { name: "Then", type: "action", outputs: { default: [] } },
      "5": { name: "After", type: "action", outputs: { default: [] } },
    },
  };

  it("holds the blocks its loop starts and those they lead to", () => {
    expect(loopBodyOf(looping, "2")).toEqual(["3", "4"]);
    expect(loopBodyOf(looping, "1")).toEqual([]);
  });

  it("takes a block into the loop off the branch after it", () => {
    const node = addToLoop(looping.nodes["2"], "5");
    expect(node.loop).toEqual(["3", "5"]);
    expect(node.outputs).toEqual({ default: [] });
    expect(addToLoop(node, "5").loop).toEqual(["3", "5"]);
  });

  it("is where a block inserted after an empty foreach goes; a condition fills its empty branches in turn", () => {
    expect(followingBranch(operatorNode("foreach"))).toBe("loop");
    expect(followingBranch(looping.nodes["2"])).toBe("default");
    const condition = { ...operatorNode("condition"), outputs: { "case 1": ["4"], else: [] } };
    expect(followingBranch(condition)).toBe("else");
    expect(followingBranch({ ...condition, outputs: { "case 1": ["4"], else: ["5"] } })).toBeUndefined();
    expect(followingBranch(looping.nodes["1"])).toBe("default");
  });

  it("offers its loop as a way out besides default", () => {
    expect(exitsOf(looping.nodes["2"])).toEqual(["default", "loop"]);
    expect(exitsOf(operatorNode("store"))).toEqual(["default"]);
  });
});

describe("problems by field", () => {
  it("names the field of each problem under a prefix", () => {
    const problems = [
      { node: "2", path: '$.nodes["2"].cases[1].left', message: "bad left" },
      { node: "2", path: '$.nodes["2"].cases[1].left[3]', message: "worse" },
      { node: "2", path: '$.nodes["2"].cases[0].right', message: "not this case" },
      { node: "2", path: '$.nodes["2"].items', message: "no items" },
      { node: "12", path: '$.nodes["12"].cases[1].left', message: "another node" },
    ];
    expect(problemsAt(problems, "2", ".cases[1].")).toEqual({ left: "bad left; worse" });
    expect(problemsAt(problems, "2", ".")).toEqual({ cases: "bad left; worse; not this case", items: "no items" });
  });
});

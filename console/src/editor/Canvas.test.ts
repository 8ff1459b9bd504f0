import { describe, expect, it } from "vitest";
import { linkState } from "./Canvas";

describe("a link over a run", () => {
  const link = { source: "1", branch: "default", target: "2" };
  it("is taken once its target ran", () => {
    expect(linkState({ "1": "succeeded", "2": "running" }, link)).toBe("taken");
    expect(linkState({ "1": "succeeded", "2": "failed" }, link)).toBe("taken");
  });
  it("is still to come while its target waits", () => {
    expect(linkState({ "1": "running", "2": "pending" }, link)).toBe("waiting");
    expect(linkState({ "1": "succeeded", "2": "pending" }, link)).toBe("waiting");
  });
  it("is dead when the run will not take it", () => {
    expect(linkState({ "1": "succeeded", "2": "skipped" }, link)).toBe("dead");
    expect(linkState({ "1": "cancelled", "2": "cancelled" }, link)).toBe("dead");
    expect(linkState({ "1": "succeeded" }, link)).toBe("dead");
  });
});

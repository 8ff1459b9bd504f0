import { describe, expect, it } from "vitest";
import { timeline } from "./RunTimeline";

describe("a run's timeline", () => {
  it("orders the blocks that started by when, from the first start", () => {
    const nodes = {
      "2": { name: "Second", status: "succeeded", started_at: "2026-12-06T10:00:00.250Z", ended_at: "2026-12-06T10:00:01.000Z" },
      "1": { name: "First", status: "succeeded", started_at: "2026-12-06T10:00:00.000Z", ended_at: "2026-12-06T10:00:00.250Z" },
      "3": { name: "Not reached", status: "pending" },
    };
    const { rows, spanMs } = timeline(nodes, Date.parse("2026-12-06T10:00:05Z"));
    expect(rows.map((r) => [r.key, r.offsetMs, r.durationMs])).toEqual([["1", 0, 250], ["2", 250, 750]]);
    expect(spanMs).toBe(1000);
  });
  it("runs a block still going on until now", () => {
    const nodes = { "1": { name: "Slow", status: "running", started_at: "2026-12-06T10:00:00.000Z" } };
    const { rows, spanMs } = timeline(nodes, Date.parse("2026-12-06T10:00:02Z"));
    expect(rows[0].durationMs).toBeNull();
    expect(spanMs).toBe(2000);
  });
});

// "Test with...": the draft run now by the server, on an event typed or taken from a past run,
// with mocked and pinned blocks answering their given results. Nothing is saved.
import { useState } from "react";
import { api, problem } from "../api/client";
import type { PlaybookJson } from "../api/types";
import type { NodeRun } from "./BlockPanel";
import { StatusText } from "../StatusText";

export type TestResult = {
  status: string;
  duration_ms?: number | null;
  nodes: Record<string, NodeRun>;
  mocked: string[];
  problems: { path: string; message: string }[];
};

/** The test event and runs of the draft: shared by the Test bar and "Test this block". */
export type Tester = {
  event: string;
  setEvent: (event: string) => void;
  error: string | null;
  setError: (error: string | null) => void;
  running: boolean;
  /** Runs the draft; with `stopAfter`, only that block and the blocks before it. */
  run: (extraMocks?: Record<string, unknown>, stopAfter?: string) => Promise<void>;
};

export function useTester(playbook: PlaybookJson, mocks: Record<string, unknown>, onResult: (r: TestResult | null) => void): Tester {
  const [event, setEvent] = useState("{}");
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const run = async (extraMocks: Record<string, unknown> = {}, stopAfter?: string) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(event) as Record<string, unknown>;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("an event is a JSON object");
    } catch (e) {
      setError(`Test event: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setRunning(true);
    setError(null);
    const { data, error } = await api.POST("/api/v1/symphony/playbooks/test", {
      body: {
        playbook: playbook as never,
        event: parsed,
        mocks: { ...extraMocks, ...mocks } as Record<string, never>,
        stop_after: stopAfter,
      },
    });
    setRunning(false);
    if (!data) return setError(problem(error));
    const result = data as unknown as TestResult;
    if (result.status === "invalid") {
      onResult(null);
      setError(`Not run: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
    } else onResult(result);
  };
  return { event, setEvent, error, setError, running, run };
}

type Props = { tester: Tester; playbookUuid: string; mocks: Record<string, unknown>; result: TestResult | null; onResult: (r: TestResult | null) => void };

export function TestBar({ tester, playbookUuid, mocks, result, onResult }: Props) {
  const { event, setEvent, error, setError, running } = tester;
  const test = () => tester.run();

  const fromLastRun = async () => {
    const { data } = await api.GET("/api/v1/symphony/runs", { params: { query: { playbook_uuid: playbookUuid, limit: 1 } } });
    const last = (data as { items?: { uuid: string }[] } | undefined)?.items?.[0];
    if (!last) return setError("This playbook has no run yet.");
    const run = await api.GET("/api/v1/symphony/runs/{uuid}", { params: { path: { uuid: last.uuid } } });
    setEvent(JSON.stringify(run.data?.event ?? {}, null, 2));
    setError(null);
  };

  return (
    <section className="testbar" aria-label="Test">
      <button type="button" className="primary" onClick={test} disabled={running}>
        {running ? "Testing…" : "Test"}
      </button>
      <details className="popover">
        <summary>Test with…</summary>
        <div>
          <label htmlFor="test-event">Test event (JSON)</label>
          <textarea id="test-event" rows={8} value={event} spellCheck={false} onChange={(e) => setEvent(e.target.value)} />
          <button type="button" onClick={fromLastRun}>
            Use the last run's event
          </button>
        </div>
      </details>
      <div className="row">
        {Object.keys(mocks).length > 0 && (
          <span className="muted">
            {Object.keys(mocks).length === 1 ? "1 block mocked" : `${Object.keys(mocks).length} blocks mocked`}
          </span>
        )}
        {result && (
          <span role="status">
            Test run: <StatusText status={result.status} />
            {result.duration_ms != null && ` in ${result.duration_ms} ms`}{" "}
            <button type="button" className="link" onClick={() => onResult(null)}>
              Clear
            </button>
          </span>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

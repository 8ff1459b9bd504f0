// A playbook's runs: counters, then the latest runs, each opening on the graph.
import { usePolled } from "../../api/polling";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import type { PlaybookView } from "./PlaybookPage";
import { RunsTable } from "../../RunsTable";

type Run = components["schemas"]["RunView"];

/** The latest runs shown; older ones are in the Runs page, filtered by playbook. */
const LATEST = 100;

export function RunsTab({ view }: { view: PlaybookView }) {
  const runs = usePolled(async () => {
    const { data } = await api.GET("/api/v1/symphony/runs", {
      params: { query: { playbook_uuid: view.uuid, limit: LATEST } },
    });
    return data as unknown as { items: Run[]; total: number } | undefined;
  }, [view.uuid]);
  const counts = usePolled(async () => {
    const { data } = await api.GET("/api/v1/symphony/run-counts", { params: { query: { playbook_uuid: view.uuid } } });
    return data?.playbooks[view.uuid] ?? (data ? { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 } : undefined);
  }, [view.uuid]);
  if (!runs || !counts) return <p>Loading…</p>;
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <dl className="counters">
        <div>
          <dt>Total</dt>
          <dd>{counts.total}</dd>
        </div>
        <div>
          <dt>In progress</dt>
          <dd>{counts.running + counts.pending}</dd>
        </div>
        <div>
          <dt>Succeeded</dt>
          <dd>{counts.succeeded}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{counts.failed}</dd>
        </div>
      </dl>
      {runs.total > runs.items.length && (
        <p className="muted">
          The latest {runs.items.length} runs of {runs.total}; older ones are in Runs, filtered by this playbook.
        </p>
      )}
      {runs.items.length === 0 ? (
        <p>No run yet.</p>
      ) : (
        <RunsTable runs={runs.items} />
      )}
    </section>
  );
}

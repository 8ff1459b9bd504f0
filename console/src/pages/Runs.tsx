// All runs, newest first, filtered by playbook and status; several selected are run again or
// cancelled at once.
import { useState } from "react";
import { api, problem } from "../api/client";
import { usePolled } from "../api/polling";
import type { components } from "../api/schema";
import { runLabel } from "../runLabel";
import { RunsTable } from "../RunsTable";

type Run = components["schemas"]["RunView"];
type Status = NonNullable<components["schemas"]["RunStatusName"]>;

const STATUSES: Status[] = ["pending", "running", "succeeded", "failed", "cancelled"];
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export function Runs({ canEdit }: { canEdit: boolean }) {
  const [playbook, setPlaybook] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const playbooks = usePolled(async () => {
    const { data } = await api.GET("/api/v1/symphony/playbooks", { params: { query: { limit: 1000 } } });
    return data?.items;
  }, [], () => true);
  const runs = usePolled(async () => {
    const query: { limit: number; playbook_uuid?: string; status?: Status } = { limit: 100 };
    if (playbook) query.playbook_uuid = playbook;
    if (status) query.status = status;
    const { data } = await api.GET("/api/v1/symphony/runs", { params: { query } });
    return data as unknown as { items: Run[]; total: number } | undefined;
  }, [playbook, status]);
  const names = new Map((playbooks ?? []).map((p) => [p.uuid, p.name]));
  const chosen = (runs?.items ?? []).filter((r) => selected.has(r.uuid));

  const bulk = async (what: "rerun" | "cancel") => {
    const eligible = chosen.filter((r) => (what === "rerun" ? FINISHED.has(r.status) : !FINISHED.has(r.status)));
    const refused: string[] = [];
    for (const run of eligible) {
      const { error } =
        what === "rerun"
          ? await api.POST("/api/v1/symphony/runs/{uuid}/rerun", { params: { path: { uuid: run.uuid } }, body: { mode: "all" } })
          : await api.POST("/api/v1/symphony/runs/{uuid}/cancel", { params: { path: { uuid: run.uuid } } });
      if (error) refused.push(`${runLabel(run.uuid)}: ${problem(error)}`);
    }
    const skipped = chosen.length - eligible.length;
    const done = eligible.length - refused.length;
    const verb = what === "rerun" ? "run again" : "cancelled";
    setMessage({
      text: [`${done} ${verb}.`, skipped ? `${skipped} skipped (${what === "rerun" ? "not finished" : "already finished"}).` : "", ...refused]
        .filter(Boolean)
        .join(" "),
      bad: refused.length > 0,
    });
    setSelected(new Set());
  };

  const toggle = (uuid: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(uuid);
      else next.delete(uuid);
      return next;
    });

  return (
    <section aria-labelledby="all-runs-title">
      <h1 id="all-runs-title">Runs</h1>
      <form className="row filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="runs-playbook">Playbook</label>
        <select id="runs-playbook" value={playbook} onChange={(e) => setPlaybook(e.target.value)}>
          <option value="">Any</option>
          {(playbooks ?? []).map((p) => (
            <option key={p.uuid} value={p.uuid}>
              {p.name}
            </option>
          ))}
        </select>
        <label htmlFor="runs-status">Status</label>
        <select id="runs-status" value={status} onChange={(e) => setStatus(e.target.value as Status | "")}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </form>
      {canEdit && (
        <div className="row">
          <button type="button" disabled={chosen.length === 0} onClick={() => bulk("rerun")}>
            Run the selected again (current versions)
          </button>
          <button type="button" disabled={chosen.length === 0} onClick={() => bulk("cancel")}>
            Cancel the selected
          </button>
          <span className="muted">{chosen.length} selected</span>
        </div>
      )}
      {message && (
        <p role={message.bad ? "alert" : "status"} className={message.bad ? "error" : "ok"}>
          {message.text}
        </p>
      )}
      {!runs ? (
        <p>Loading…</p>
      ) : runs.items.length === 0 ? (
        <p>No run.</p>
      ) : (
        <RunsTable
          runs={runs.items}
          playbooks={names}
          names
          selection={canEdit ? { selected, onToggle: toggle } : undefined}
        />
      )}
      {runs && runs.total > runs.items.length && (
        <p className="muted">
          The latest {runs.items.length} of {runs.total} runs.
        </p>
      )}
    </section>
  );
}

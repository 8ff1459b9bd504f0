import { useCallback, useEffect, useState } from "react";
import { api, problem } from "../api/client";
import type { components } from "../api/schema";
import { Link } from "wouter";
import { NewPlaybook } from "./NewPlaybook";

type Playbook = components["schemas"]["PlaybookView"];
type Diagnostic = { path?: string; message?: string };

/** The most playbooks one page of the API gives. */
const PAGE = 1000;
const WEEK_MS = 7 * 24 * 3600 * 1000;

type Counts = components["schemas"]["StatusCounts"];

/** The playbooks: each with its version, what stops it from running, and an On/Off switch. */
export function Playbooks({ canEdit }: { canEdit: boolean }) {
  const [playbooks, setPlaybooks] = useState<Playbook[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const [counts, setCounts] = useState<Record<string, Counts>>({});
  const load = useCallback(async () => {
    const week = await api.GET("/api/v1/symphony/run-counts", { params: { query: { created_from: Date.now() - WEEK_MS } } });
    if (week.data) setCounts(week.data.playbooks);
    const { data, error } = await api.GET("/api/v1/symphony/playbooks", { params: { query: { limit: PAGE } } });
    if (data) {
      const page = data as { items: Playbook[]; total: number };
      setPlaybooks(page.items);
      setTotal(page.total);
    } else setError(problem(error));
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (playbook: Playbook) => {
    const path = playbook.active
      ? "/api/v1/symphony/playbooks/{uuid}/deactivate"
      : "/api/v1/symphony/playbooks/{uuid}/activate";
    const { error } = await api.POST(path, { params: { path: { uuid: playbook.uuid } } });
    setError(error ? `${playbook.name}: ${problem(error)}` : null);
    await load();
  };

  return (
    <section aria-labelledby="playbooks-title">
      <div className="row spread">
        <h1 id="playbooks-title">Playbooks</h1>
        {canEdit && <NewPlaybook />}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {playbooks === null ? (
        <p>Loading…</p>
      ) : playbooks.length === 0 ? (
        <p>No playbook yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Issues</th>
              <th scope="col">Runs, 7 days</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {playbooks.map((playbook) => (
              <PlaybookRow
                key={playbook.uuid}
                playbook={playbook}
                counts={counts[playbook.uuid]}
                canEdit={canEdit}
                onToggle={toggle}
              />
            ))}
          </tbody>
        </table>
      )}
      {playbooks !== null && total > playbooks.length && (
        <p>
          Showing the first {playbooks.length} of {total} playbooks.
        </p>
      )}
    </section>
  );
}

type RowProps = { playbook: Playbook; counts?: Counts; canEdit: boolean; onToggle: (playbook: Playbook) => void };

function PlaybookRow({ playbook, counts, canEdit, onToggle }: RowProps) {
  const problems = playbook.problems as Diagnostic[];
  return (
    <tr>
      <th scope="row">
        <Link href={`/playbooks/${playbook.uuid}/workflow`}>{playbook.name}</Link>
      </th>
      <td>v{playbook.version}</td>
      <td>
        {problems.length === 0 ? (
          <span className="badge ok">No issue</span>
        ) : (
          <span className="badge issue" title={problems.map((p) => `${p.path}: ${p.message}`).join("\n")}>
            {problems.length === 1 ? "1 issue" : `${problems.length} issues`}
          </span>
        )}
        {(playbook.trigger_status as { state?: string } | null | undefined)?.state === "crashed" && (
          <Link className="badge issue" href={`/playbooks/${playbook.uuid}/trigger-logs`}>
            Trigger crashed
          </Link>
        )}
        {playbook.deactivation_reason && <span className="reason">{playbook.deactivation_reason}</span>}
      </td>
      <td>
        {counts ? (
          <Link href={`/playbooks/${playbook.uuid}/runs`}>
            {counts.total === 1 ? "1 run" : `${counts.total} runs`}
            {counts.failed > 0 && <span className="error"> · {counts.failed} failed</span>}
          </Link>
        ) : (
          <span className="muted">0 runs</span>
        )}
      </td>
      <td>
        <button
          type="button"
          role="switch"
          aria-checked={playbook.active}
          aria-label={`${playbook.name}: ${playbook.active ? "On" : "Off"}`}
          disabled={!canEdit}
          className={playbook.active ? "switch on" : "switch"}
          onClick={() => onToggle(playbook)}
        >
          {playbook.active ? "On" : "Off"}
        </button>
      </td>
    </tr>
  );
}

import { useCallback, useEffect, useState } from "react";
import { api, problem } from "../api/client";
import type { components } from "../api/schema";
import { Link } from "wouter";
import { NewPlaybook } from "./NewPlaybook";

type Playbook = components["schemas"]["PlaybookListItem"];
type Sort = "newest" | "name" | "updated";
type State = "all" | "on" | "off";

/** Playbooks a page shows. */
const PAGE = 50;
const WEEK_MS = 7 * 24 * 3600 * 1000;
/** How long typing pauses before the search is asked for. */
const SEARCH_PAUSE_MS = 250;

type Counts = components["schemas"]["StatusCounts"];

/** The playbooks, a page at a time, searched, filtered and sorted by the server, each as a
 * summary: its version, what stops it from running, its runs and an On/Off switch. */
export function Playbooks({ canEdit }: { canEdit: boolean }) {
  const [playbooks, setPlaybooks] = useState<Playbook[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");
  const [state, setState] = useState<State>("all");
  const [sort, setSort] = useState<Sort>("newest");
  const [offset, setOffset] = useState(0);

  useEffect(() => {
    const pause = setTimeout(() => {
      setSearch(typed.trim());
      setOffset(0);
    }, SEARCH_PAUSE_MS);
    return () => clearTimeout(pause);
  }, [typed]);

  const [counts, setCounts] = useState<Record<string, Counts>>({});
  const load = useCallback(async () => {
    const week = await api.GET("/api/v1/symphony/run-counts", { params: { query: { created_from: Date.now() - WEEK_MS } } });
    if (week.data) setCounts(week.data.playbooks);
    const query = {
      summary: true,
      limit: PAGE,
      offset,
      sort,
      ...(search ? { search } : {}),
      ...(state === "all" ? {} : { active: state === "on" }),
    };
    const { data, error } = await api.GET("/api/v1/symphony/playbooks", { params: { query } });
    if (data) {
      setPlaybooks(data.items);
      setTotal(data.total);
      setError(null);
    } else setError(problem(error));
  }, [offset, search, sort, state]);

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
  const filtered = search !== "" || state !== "all";

  return (
    <section aria-labelledby="playbooks-title">
      <div className="row spread">
        <h1 id="playbooks-title">Playbooks</h1>
        {canEdit && <NewPlaybook />}
      </div>
      <div className="row filters" role="search" aria-label="Playbooks">
        <label>
          Search playbooks
          <input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="Name" maxLength={200} />
        </label>
        <label>
          State
          <select
            value={state}
            onChange={(e) => {
              setState(e.target.value as State);
              setOffset(0);
            }}
          >
            <option value="all">All</option>
            <option value="on">On</option>
            <option value="off">Off</option>
          </select>
        </label>
        <label>
          Sort by
          <select
            value={sort}
            onChange={(e) => {
              setSort(e.target.value as Sort);
              setOffset(0);
            }}
          >
            <option value="newest">Newest</option>
            <option value="name">Name</option>
            <option value="updated">Last changed</option>
          </select>
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {playbooks === null ? (
        <p>Loading…</p>
      ) : playbooks.length === 0 ? (
        <p>{filtered ? "No playbook matches." : "No playbook yet."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Blocks</th>
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
      {playbooks !== null && total > 0 && (
        <nav className="row pager" aria-label="Pages of playbooks">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </button>
          <span aria-live="polite">
            {offset + 1}–{offset + playbooks.length} of {total}
          </span>
          <button type="button" disabled={offset + playbooks.length >= total} onClick={() => setOffset(offset + playbooks.length)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

type RowProps = { playbook: Playbook; counts?: Counts; canEdit: boolean; onToggle: (playbook: Playbook) => void };

function PlaybookRow({ playbook, counts, canEdit, onToggle }: RowProps) {
  const problems = playbook.problems;
  return (
    <tr>
      <th scope="row">
        <Link href={`/playbooks/${playbook.uuid}/workflow`}>{playbook.name}</Link>
      </th>
      <td>v{playbook.version}</td>
      <td>{playbook.nodes}</td>
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

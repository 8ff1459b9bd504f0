// Runs as a table: each links to its page, with its status as an icon and a word.
import { Link } from "wouter";
import type { components } from "./api/schema";
import { runLabel } from "./runLabel";
import { StatusText } from "./StatusText";

export type RunRow = components["schemas"]["RunView"];

type Props = {
  runs: RunRow[];
  label?: string;
  /** Playbook names by UUID: a Playbook column; without them, a Version column. */
  playbooks?: Map<string, string>;
  /** Runs can be selected: a checkbox column. */
  selection?: { selected: Set<string>; onToggle: (uuid: string, on: boolean) => void };
  /** Show each run's name (what its trigger named it after). */
  names?: boolean;
};

export function RunsTable({ runs, label, playbooks, selection, names = false }: Props) {
  const alerts = runs.some((run) => run.alert_short_id);
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {selection && <th scope="col">Select</th>}
          <th scope="col">Run</th>
          <th scope="col">{playbooks ? "Playbook" : "Version"}</th>
          {alerts && <th scope="col">Alert</th>}
          <th scope="col">Status</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.uuid}>
            {selection && (
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${runLabel(run.uuid)}`}
                  checked={selection.selected.has(run.uuid)}
                  onChange={(e) => selection.onToggle(run.uuid, e.target.checked)}
                />
              </td>
            )}
            <th scope="row">
              <Link href={`/runs/${run.uuid}`}>{runLabel(run.uuid)}</Link>
              {names && <span className="muted"> {run.name}</span>}
            </th>
            <td>
              {playbooks && `${playbooks.get(run.playbook_uuid) ?? run.playbook_uuid} `}
              <span className={playbooks ? "muted" : undefined}>v{run.playbook_version}</span>
            </td>
            {alerts && <td>{run.alert_short_id && <code>{run.alert_short_id}</code>}</td>}
            <td>
              <StatusText status={run.status} />
            </td>
            <td>
              <LocalTime iso={run.started_at ?? run.created_at} />
            </td>
            <td>{run.duration_ms == null ? "" : `${run.duration_ms} ms`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A time in the reader's own zone, with the UTC time it is on hover. */
export function LocalTime({ iso }: { iso: string }) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return <>{iso}</>;
  return (
    <time dateTime={iso} title={`${at.toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} UTC`}>
      {localTime(at)}
    </time>
  );
}

/** `at` as the reader's locale writes a date and a time to the second. */
export function localTime(at: Date): string {
  return at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// Trigger logs: how an installed module's trigger process is doing, and its latest logs, read
// again every second, filtered by level.
import { useState } from "react";
import { api } from "../../api/client";
import { usePolled } from "../../api/polling";
import type { PlaybookView } from "./PlaybookPage";

type Log = { date: string; level: string; message: string };
type Status = { state: string; restarts: number; error?: string | null; logs: Log[] };

const LEVELS = ["debug", "info", "warning", "error", "critical"];

export function TriggerLogsTab({ view }: { view: PlaybookView }) {
  const [level, setLevel] = useState("debug");
  const current = usePolled(
    async () => (await api.GET("/api/v1/symphony/playbooks/{uuid}", { params: { path: { uuid: view.uuid } } })).data,
    [view.uuid],
  );
  const shown = current ?? view;
  const byNode = statusesOf(shown);
  return (
    <section aria-labelledby="trigger-logs-title">
      <h2 id="trigger-logs-title">Trigger logs</h2>
      {byNode.length === 0 ? (
        <p>This playbook's triggers run inside the server: they have no process and no logs of their own.</p>
      ) : (
        <>
          <label htmlFor="log-level">Level at least</label>
          <select id="log-level" value={level} onChange={(e) => setLevel(e.target.value)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          {byNode.map(([node, status]) => (
            <TriggerStatus key={node} node={node} status={status} minimum={LEVELS.indexOf(level)} />
          ))}
        </>
      )}
    </section>
  );
}

function TriggerStatus({ node, status, minimum }: { node: string; status: Status; minimum: number }) {
  const logs = status.logs.filter((log) => LEVELS.indexOf(log.level) >= minimum);
  return (
    <section aria-label={`Trigger node.${node}`}>
      <h3>
        <code>node.{node}</code>: <span className={status.state === "crashed" ? "error" : undefined}>{status.state}</span>
        {status.restarts > 0 && <span className="muted"> · restarted {status.restarts} times</span>}
      </h3>
      {status.error && <p className="error">{status.error}</p>}
      {logs.length === 0 ? (
        <p className="muted">No log at this level.</p>
      ) : (
        <table aria-label={`Logs of node.${node}`}>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Level</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {logs.map((log, i) => (
              <tr key={`${log.date}-${i}`}>
                <td>{log.date}</td>
                <td>{log.level}</td>
                <td>
                  <pre className="log">{log.message}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Each trigger process by node id: `trigger_statuses` when there are several, else the one. */
export function statusesOf(view: PlaybookView): [string, Status][] {
  const several = Object.entries((view.trigger_statuses ?? {}) as Record<string, Status>);
  if (several.length > 0) return several;
  if (!view.trigger_status) return [];
  const playbook = view.playbook as { nodes?: Record<string, { type?: string; module_uuid?: string }> };
  const first = Object.entries(playbook.nodes ?? {}).find(([, n]) => n.type === "trigger")?.[0] ?? "0";
  return [[first, view.trigger_status as unknown as Status]];
}

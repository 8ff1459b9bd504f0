// A run's blocks on one time line: when each started, how long it took, which overlapped. A
// table first (what a screen reader reads), its bars drawn beside each row.
import { StatusText } from "../StatusText";
import "./RunTimeline.css";

export type TimedNode = { name: string; status: string; started_at?: string | null; ended_at?: string | null };

export type TimelineRow = { key: string; name: string; status: string; offsetMs: number; durationMs: number | null };

/** The blocks that started, in the order they started, with their times from the run's first start. */
export function timeline(nodes: Record<string, TimedNode>, now: number): { rows: TimelineRow[]; spanMs: number } {
  const started = Object.entries(nodes)
    .map(([key, node]) => ({ key, node, start: Date.parse(node.started_at ?? "") }))
    .filter(({ start }) => !Number.isNaN(start))
    .sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));
  if (started.length === 0) return { rows: [], spanMs: 0 };
  const origin = started[0].start;
  const rows = started.map(({ key, node, start }) => {
    const end = Date.parse(node.ended_at ?? "");
    return { key, name: node.name, status: node.status, offsetMs: start - origin, durationMs: Number.isNaN(end) ? null : end - start };
  });
  // A block still going on reaches until now.
  const spanMs = Math.max(1, ...rows.map((r) => r.offsetMs + (r.durationMs ?? Math.max(0, now - origin - r.offsetMs))));
  return { rows, spanMs };
}

const milliseconds = (ms: number) => (ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export function RunTimeline({ nodes }: { nodes: Record<string, TimedNode> }) {
  const now = Date.now();
  const { rows, spanMs } = timeline(nodes, now);
  if (rows.length === 0) return null;
  return (
    <details className="timeline" open={rows.length <= 30}>
      <summary>Timeline ({rows.length === 1 ? "1 block" : `${rows.length} blocks`})</summary>
      <table aria-label="Timeline">
        <thead>
          <tr>
            <th scope="col">Block</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
            <th scope="col" className="timeline-bars">
              When
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const width = row.durationMs ?? Math.max(0, now - Date.parse(String(nodes[row.key].started_at)));
            return (
              <tr key={row.key}>
                <th scope="row">
                  {row.name} <code className="muted">node.{row.key}</code>
                </th>
                <td>
                  <StatusText status={row.status} />
                </td>
                <td>+{milliseconds(row.offsetMs)}</td>
                <td>{row.durationMs === null ? "going on" : milliseconds(row.durationMs)}</td>
                <td className="timeline-bars" aria-hidden="true">
                  <span
                    className={`timeline-bar status-${row.status}`}
                    style={{ marginLeft: `${(100 * row.offsetMs) / spanMs}%`, width: `max(2px, ${(100 * width) / spanMs}%)` }}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

// Alerts: the latest ones with filters, one alert with its comments and the runs it started,
// and a test alert made from a short form (it starts the runs a real one would).
import { useCallback, useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { api, problem } from "../api/client";
import { usePolled } from "../api/polling";
import { RunsTable, type RunRow } from "../RunsTable";

type Alert = {
  uuid: string;
  short_id: string;
  title: string;
  details?: string;
  rule: { name: string; severity?: number };
  urgency: { value?: number; display?: string } | number;
  status: { name?: string } | string;
  created_at: number;
  number_of_total_comments?: number;
};

const STATUSES = ["Pending", "Acknowledged", "Ongoing", "Closed", "Rejected"];

export function Alerts({ canWrite }: { canWrite: boolean }) {
  const [status, setStatus] = useState("");
  const [rule, setRule] = useState("");
  const alerts = usePolled(async () => {
    const query: Record<string, string | number> = { limit: 100 };
    if (status) query.status = status;
    if (rule) query.rule_name = rule;
    const { data } = await api.GET("/api/v1/sic/alerts", { params: { query } });
    return data as unknown as { items: Alert[]; total: number } | undefined;
  }, [status, rule]);
  return (
    <section aria-labelledby="alerts-title">
      <div className="row spread">
        <h1 id="alerts-title">Alerts</h1>
      </div>
      {canWrite && <TestAlert />}
      <form className="row filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="alert-status">Status</label>
        <select id="alert-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="alert-rule">Rule name</label>
        <input id="alert-rule" value={rule} onChange={(e) => setRule(e.target.value)} />
      </form>
      {!alerts ? (
        <p>Loading…</p>
      ) : alerts.items.length === 0 ? (
        <p>No alert.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Rule</th>
              <th scope="col">Urgency</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {alerts.items.map((alert) => (
              <tr key={alert.uuid}>
                <th scope="row">
                  <Link href={`/alerts/${alert.uuid}`}>{alert.title}</Link> <span className="muted">{alert.short_id}</span>
                </th>
                <td>{alert.rule.name}</td>
                <td>{urgencyOf(alert)}</td>
                <td>{statusOf(alert)}</td>
                <td>{new Date(alert.created_at * 1000).toISOString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {alerts && alerts.total > alerts.items.length && (
        <p className="muted">
          The latest {alerts.items.length} of {alerts.total} alerts.
        </p>
      )}
    </section>
  );
}

function TestAlert() {
  const [, navigate] = useLocation();
  const [title, setTitle] = useState("");
  const [rule, setRule] = useState("");
  const [severity, setSeverity] = useState("50");
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    const { data, error } = await api.POST("/api/v1/sic/alerts", {
      body: { title, rule: { name: rule, severity: Number(severity) } },
    });
    if (!data) return setError(problem(error));
    navigate(`/alerts/${(data as { uuid: string }).uuid}`);
  };
  return (
    <details className="subform">
      <summary>Create a test alert</summary>
      <form
        aria-label="Test alert"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label htmlFor="test-alert-title">Title</label>
        <input id="test-alert-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
        <label htmlFor="test-alert-rule">Rule name</label>
        <input id="test-alert-rule" required value={rule} onChange={(e) => setRule(e.target.value)} />
        <label htmlFor="test-alert-severity">Severity (0 to 100)</label>
        <input id="test-alert-severity" type="number" min={0} max={100} value={severity} onChange={(e) => setSeverity(e.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Create the alert
        </button>
        <p className="help">It starts the runs of the active playbooks a new alert starts.</p>
      </form>
    </details>
  );
}

type Comment = { uuid?: string; content: string; author?: string; date?: number; created_at?: number };

export function AlertPage({ uuid, canWrite }: { uuid: string; canWrite: boolean }) {
  const [alert, setAlert] = useState<Alert | null>(null);
  const [comments, setComments] = useState<Comment[]>([]);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const { data, error } = await api.GET("/api/v1/sic/alerts/{id}", { params: { path: { id: uuid } } });
    if (!data) return setError(problem(error));
    setAlert(data as unknown as Alert);
    const listed = await api.GET("/api/v1/sic/alerts/{id}/comments", { params: { path: { id: uuid } } });
    setComments(((listed.data as unknown as { items?: Comment[] }) ?? {}).items ?? []);
  }, [uuid]);
  useEffect(() => {
    void load();
  }, [load]);
  const playbooks = usePolled(async () => {
    const { data } = await api.GET("/api/v1/symphony/playbooks", { params: { query: { limit: 1000 } } });
    const items = data?.items;
    return items ? new Map(items.map((p) => [p.uuid, p.name])) : undefined;
  }, [], () => true);
  const runs = usePolled(async () => {
    if (!alert) return undefined;
    const { data } = await api.GET("/api/v1/symphony/runs", {
      params: { query: { name: `Sekoia.io Alert: ${alert.short_id}`, limit: 100 } },
    });
    return data as unknown as { items: RunRow[] } | undefined;
  }, [alert?.short_id]);
  const add = async () => {
    const { error } = await api.POST("/api/v1/sic/alerts/{id}/comments", {
      params: { path: { id: uuid } },
      body: { content: comment },
    });
    if (error) return setError(problem(error));
    setComment("");
    await load();
  };
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!alert) return <p>Loading…</p>;
  return (
    <section aria-labelledby="alert-title" className="alert-page">
      <h1 id="alert-title">{alert.title}</h1>
      <dl className="facts">
        <dt>Short id</dt>
        <dd>{alert.short_id}</dd>
        <dt>Rule</dt>
        <dd>
          {alert.rule.name}
          {alert.rule.severity !== undefined && ` (severity ${alert.rule.severity})`}
        </dd>
        <dt>Urgency</dt>
        <dd>{urgencyOf(alert)}</dd>
        <dt>Status</dt>
        <dd>{statusOf(alert)}</dd>
        <dt>Created</dt>
        <dd>{new Date(alert.created_at * 1000).toISOString()}</dd>
        <dt>UUID</dt>
        <dd>
          <code>{alert.uuid}</code>
        </dd>
      </dl>
      {alert.details && <p>{alert.details}</p>}
      <h2>Runs it started</h2>
      {!runs ? (
        <p>Loading…</p>
      ) : runs.items.length === 0 ? (
        <p>No run: no active playbook reacted to this alert.</p>
      ) : (
        <RunsTable runs={runs.items} label="Runs it started" playbooks={playbooks} />
      )}
      <h2>Comments</h2>
      {comments.length === 0 ? (
        <p className="muted">No comment yet.</p>
      ) : (
        <ul className="comments">
          {comments.map((c, i) => (
            <li key={c.uuid ?? i}>
              <p>{c.content}</p>
              <p className="muted">{c.author ?? ""}</p>
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <form
          aria-label="New comment"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label htmlFor="new-comment">Comment</label>
          <textarea id="new-comment" rows={3} required value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit">Add the comment</button>
        </form>
      )}
    </section>
  );
}

function urgencyOf(alert: Alert): string {
  const urgency = alert.urgency;
  if (typeof urgency === "number") return String(urgency);
  return urgency.display ? `${urgency.value ?? ""} (${urgency.display})` : String(urgency.value ?? "");
}

function statusOf(alert: Alert): string {
  return typeof alert.status === "string" ? alert.status : (alert.status.name ?? "");
}

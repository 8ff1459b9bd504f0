// Intakes: where connectors and senders push events. The key is shown to whoever may write
// intakes; events are read page by page.
import { useState } from "react";
import { api, problem } from "../api/client";
import { usePolled } from "../api/polling";

type Intake = { uuid: string; name: string; intake_key: string; created_at: number; connector?: { connector_uuid?: string } | null; connector_status?: { state: string } | null };

export function Intakes({ canWrite }: { canWrite: boolean }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [opened, setOpened] = useState<string | null>(null);
  const intakes = usePolled(async () => {
    const { data } = await api.GET("/api/v1/intakes");
    return (data as unknown as { items: Intake[] } | undefined)?.items;
  }, [round]);
  const create = async () => {
    const { error } = await api.POST("/api/v1/intakes", { body: { name } });
    if (error) return setError(problem(error));
    setName("");
    setError(null);
    setRound((r) => r + 1);
  };
  return (
    <section aria-labelledby="intakes-title">
      <h1 id="intakes-title">Intakes</h1>
      {canWrite && (
        <form
          className="row subform"
          aria-label="New intake"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label htmlFor="intake-name">Name</label>
          <input id="intake-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="primary">
            Create the intake
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!intakes ? (
        <p>Loading…</p>
      ) : intakes.length === 0 ? (
        <p>No intake yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Intake key</th>
              <th scope="col">Connector</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {intakes.map((intake) => (
              <tr key={intake.uuid}>
                <th scope="row">{intake.name}</th>
                <td>
                  <code>{intake.intake_key}</code>
                </td>
                <td>{intake.connector ? (intake.connector_status?.state ?? "starting") : "none (HTTP pushes)"}</td>
                <td>
                  <button type="button" onClick={() => setOpened(opened === intake.uuid ? null : intake.uuid)}>
                    {opened === intake.uuid ? "Hide events" : "Show events"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {opened && <Events uuid={opened} />}
    </section>
  );
}

function Events({ uuid }: { uuid: string }) {
  const events = usePolled(async () => {
    const { data } = await api.GET("/api/v1/intakes/{uuid}/events", { params: { path: { uuid }, query: { limit: 50 } } });
    return data as unknown as { items: unknown[]; total: number } | undefined;
  }, [uuid]);
  if (!events) return <p>Loading…</p>;
  return (
    <section aria-label="Events">
      <h2>Events ({events.total})</h2>
      {events.items.length === 0 ? (
        <p>No event yet.</p>
      ) : (
        <pre tabIndex={0} aria-label="Latest events">
          {events.items.map((e) => JSON.stringify(e)).join("\n")}
        </pre>
      )}
    </section>
  );
}

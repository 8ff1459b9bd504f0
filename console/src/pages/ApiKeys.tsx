// API keys: made with the permissions the caller holds (a key is shown once, when made), and
// revoked, which ends the sessions opened with them.
import { useCallback, useEffect, useState } from "react";
import { api, problem } from "../api/client";
import type { components } from "../api/schema";
import { copyText } from "../clipboard";

type Key = components["schemas"]["KeyView"];
type Permission = components["schemas"]["Permission"];

const PERMISSIONS: Permission[] = [
  "SIC_READ_ALERTS",
  "SIC_WRITE_ALERTS",
  "SYMPHONY",
  "API_KEYS",
  "SIC_READ_INTAKES",
  "SIC_WRITE_INTAKES",
  "INSTALL_MODULES",
];

export function ApiKeys({ held }: { held: string[] }) {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<Key | null>(null);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<Permission[]>([]);
  const load = useCallback(async () => {
    const { data, error } = await api.GET("/api/v1/api-keys");
    if (data) setKeys((data as unknown as { items: Key[] }).items);
    else setError(problem(error));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async () => {
    const { data, error } = await api.POST("/api/v1/api-keys", { body: { name, permissions: chosen } });
    if (!data) return setError(problem(error));
    setMade(data);
    setName("");
    setChosen([]);
    setError(null);
    await load();
  };
  const revoke = async (key: Key) => {
    if (!window.confirm(`Revoke the key ${key.name}? Its sessions end.`)) return;
    const { error } = await api.DELETE("/api/v1/api-keys/{uuid}", { params: { path: { uuid: key.uuid } } });
    setError(error ? problem(error) : null);
    await load();
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {made?.key && (
        <div role="status" className="subform">
          <p>
            The key <strong>{made.name}</strong> is shown this once: copy it now.
          </p>
          <code className="secret">{made.key}</code>{" "}
          <button type="button" onClick={() => copyText(made.key ?? "")}>
            Copy the key
          </button>{" "}
          <button type="button" className="quiet" onClick={() => setMade(null)}>
            Done
          </button>
        </div>
      )}
      <form
        className="subform"
        aria-label="New API key"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label htmlFor="key-name">Name</label>
        <input id="key-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset>
          <legend>Permissions (a key holds at most yours)</legend>
          {PERMISSIONS.filter((p) => held.includes(p)).map((p) => (
            <label key={p} className="check">
              <input
                type="checkbox"
                checked={chosen.includes(p)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, p] : c.filter((x) => x !== p)))}
              />
              {p}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          Create the key
        </button>
      </form>
      {keys && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Permissions</th>
              <th scope="col">Made</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.uuid}>
                <th scope="row">{key.name}</th>
                <td>{key.permissions.join(", ")}</td>
                <td>{new Date(key.created_at).toISOString()}</td>
                <td>
                  <button type="button" className="quiet" onClick={() => revoke(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

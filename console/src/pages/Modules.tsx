// Modules: built in and installed, their blocks with the schemas forms are drawn from, and how
// the trigger and connector processes they run are doing.
import { api } from "../api/client";
import { usePolled } from "../api/polling";
import type { BlockManifest, ModuleManifest } from "../api/types";

type Installed = ModuleManifest & {
  connectors?: BlockManifest[];
  installed_from?: { repository?: string; reference?: string; commit?: string } | null;
  warm_workers?: unknown;
};
type Health = { state: string };
type PlaybookRow = { uuid: string; name: string; active: boolean; playbook: { nodes?: Record<string, { trigger_uuid?: string }> }; trigger_status?: Health | null };
type IntakeRow = { uuid: string; name: string; connector?: { connector_uuid?: string } | null; connector_status?: Health | null };

export function Modules() {
  const data = usePolled(async () => {
    const [modules, playbooks, intakes] = await Promise.all([
      api.GET("/api/v1/modules"),
      api.GET("/api/v1/symphony/playbooks", { params: { query: { limit: 1000 } } }),
      api.GET("/api/v1/intakes"),
    ]);
    if (!modules.data) return undefined;
    return {
      modules: modules.data.items as unknown as Installed[],
      playbooks: ((playbooks.data as unknown as { items?: PlaybookRow[] }) ?? {}).items ?? [],
      intakes: ((intakes.data as unknown as { items?: IntakeRow[] }) ?? {}).items ?? [],
    };
  }, []);
  if (!data) return <p>Loading…</p>;
  return (
    <section aria-labelledby="modules-title">
      <h1 id="modules-title">Modules</h1>
      {data.modules.map((module) => (
        <section key={module.uuid} className="module" aria-labelledby={`module-${module.uuid}`}>
          <h2 id={`module-${module.uuid}`}>
            {module.name} <span className="muted">v{module.version}</span>{" "}
            <span className="badge">{module.builtin ? "built in" : "installed"}</span>
          </h2>
          {module.description && <p>{module.description}</p>}
          {module.installed_from && (
            <p className="muted">
              From {module.installed_from.repository ?? "a folder"}
              {module.installed_from.commit && ` at ${module.installed_from.commit.slice(0, 12)}`}
            </p>
          )}
          <table aria-label={`Blocks of ${module.name}`}>
            <thead>
              <tr>
                <th scope="col">Block</th>
                <th scope="col">Kind</th>
                <th scope="col">Running for</th>
                <th scope="col">Schemas</th>
              </tr>
            </thead>
            <tbody>
              {blocksOf(module).map(([kind, block]) => (
                <tr key={block.uuid}>
                  <th scope="row">
                    {block.name}
                    {block.description && <p className="help">{block.description}</p>}
                  </th>
                  <td>{kind}</td>
                  <td>{healthOf(kind, block.uuid, data.playbooks, data.intakes)}</td>
                  <td>
                    <details>
                      <summary>Schemas</summary>
                      <pre tabIndex={0} aria-label={`Schemas of ${block.name}`}>
                        {JSON.stringify({ arguments: block.arguments, results: block.results }, null, 2)}
                      </pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </section>
  );
}

function blocksOf(module: Installed): [string, BlockManifest][] {
  return [
    ...(module.triggers ?? []).map((b): [string, BlockManifest] => ["trigger", b]),
    ...(module.actions ?? []).map((b): [string, BlockManifest] => ["action", b]),
    ...(module.connectors ?? []).map((b): [string, BlockManifest] => ["connector", b]),
  ];
}

/** Where an installed trigger or connector runs, and how each process is doing. */
function healthOf(kind: string, uuid: string, playbooks: PlaybookRow[], intakes: IntakeRow[]) {
  const users =
    kind === "trigger"
      ? playbooks
          .filter((p) => p.active && Object.values(p.playbook.nodes ?? {}).some((n) => n.trigger_uuid === uuid))
          .map((p) => ({ name: p.name, state: p.trigger_status?.state }))
      : kind === "connector"
        ? intakes.filter((i) => i.connector?.connector_uuid === uuid).map((i) => ({ name: i.name, state: i.connector_status?.state }))
        : [];
  if (users.length === 0) return <span className="muted">{kind === "action" ? "—" : "nothing"}</span>;
  return (
    <ul>
      {users.map((u) => (
        <li key={u.name}>
          {u.name}: <span className={u.state === "crashed" ? "error" : undefined}>{u.state ?? "in the server"}</span>
        </li>
      ))}
    </ul>
  );
}

// Versions: every saved version, two of them compared path by path, one viewed on the graph or
// restored into the draft (saving it makes it the newest version).
import { useEffect, useState } from "react";
import { api, problem } from "../../api/client";
import type { Catalogue } from "../../api/modules";
import type { PlaybookJson } from "../../api/types";
import { Editor } from "../../editor/Editor";
import { withPositions } from "../../editor/layout";
import { type Change, MAX_CHANGES, diff } from "./diff";

type Summary = { version: number; name: string; blocks: number; current: boolean };

type Props = { uuid: string; current: number; catalogue: Catalogue; onRestore?: (playbook: PlaybookJson, version: number) => void };

export function VersionsTab({ uuid, current, catalogue, onRestore }: Props) {
  const [versions, setVersions] = useState<Summary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [from, setFrom] = useState(Math.max(1, current - 1));
  const [to, setTo] = useState(current);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [viewed, setViewed] = useState<{ version: number; playbook: PlaybookJson } | null>(null);

  useEffect(() => {
    void api
      .GET("/api/v1/symphony/playbooks/{uuid}/versions", { params: { path: { uuid }, query: { limit: 1000 } } })
      .then(({ data, error }) => {
        if (data) setVersions((data as unknown as { items: Summary[] }).items);
        else setError(problem(error));
      });
  }, [uuid, current]);

  const read = async (version: number): Promise<PlaybookJson | null> => {
    const { data, error } = await api.GET("/api/v1/symphony/playbooks/{uuid}/versions/{version}", {
      params: { path: { uuid, version } },
    });
    if (!data) setError(problem(error));
    return (data?.playbook as PlaybookJson | undefined) ?? null;
  };
  const compare = async () => {
    const [before, after] = await Promise.all([read(from), read(to)]);
    if (before && after) setChanges(diff(before, after));
  };
  const view = async (version: number) => {
    const playbook = await read(version);
    if (playbook) setViewed({ version, playbook: withPositions(playbook) });
  };
  const restore = async (version: number) => {
    const playbook = await read(version);
    if (playbook && onRestore) onRestore(playbook, version);
  };

  if (!versions) return error ? <p role="alert" className="error">{error}</p> : <p>Loading…</p>;
  const choices = versions.map((v) => (
    <option key={v.version} value={v.version}>
      v{v.version}
    </option>
  ));
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {error && <p role="alert" className="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Name</th>
            <th scope="col">Blocks</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <th scope="row">
                v{v.version}
                {v.current && " (current)"}
              </th>
              <td>{v.name}</td>
              <td>{v.blocks}</td>
              <td className="row">
                <button type="button" onClick={() => view(v.version)} aria-label={`View v${v.version}`}>
                  View
                </button>
                {onRestore && !v.current && (
                  <button type="button" onClick={() => restore(v.version)} aria-label={`Restore v${v.version}`}>
                    Restore
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row compare"
        aria-label="Compare versions"
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <label htmlFor="compare-from">Compare</label>
        <select id="compare-from" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
          {choices}
        </select>
        <label htmlFor="compare-to">with</label>
        <select id="compare-to" value={to} onChange={(e) => setTo(Number(e.target.value))}>
          {choices}
        </select>
        <button type="submit">Compare</button>
      </form>
      {changes && <Changes changes={changes} from={from} to={to} />}
      {viewed && (
        <>
          <h3>v{viewed.version}</h3>
          <Editor playbook={viewed.playbook} catalogue={catalogue} problems={[]} />
        </>
      )}
    </section>
  );
}

function Changes({ changes, from, to }: { changes: Change[]; from: number; to: number }) {
  if (changes.length === 0) return <p>v{from} and v{to} are the same.</p>;
  return (
    <table aria-label={`Changes from v${from} to v${to}`}>
      <thead>
        <tr>
          <th scope="col">Where</th>
          <th scope="col">Change</th>
          <th scope="col">v{from}</th>
          <th scope="col">v{to}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path}>
            <th scope="row">
              <code>{c.path}</code>
            </th>
            <td>{c.kind}</td>
            <td>
              <code>{c.before === undefined ? "" : JSON.stringify(c.before)}</code>
            </td>
            <td>
              <code>{c.after === undefined ? "" : JSON.stringify(c.after)}</code>
            </td>
          </tr>
        ))}
        {changes.length === MAX_CHANGES && (
          <tr>
            <td colSpan={4}>The first {MAX_CHANGES} changes are listed.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

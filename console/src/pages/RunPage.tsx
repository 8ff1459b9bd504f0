// A run: the graph of the version it ran on, each block with what it did, updated every second
// until the run ends. Reruns say what they do.
import { useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { api, problem } from "../api/client";
import { useCatalogue } from "../api/modules";
import { useRun } from "../api/runStream";
import type { PlaybookJson } from "../api/types";
import type { NodeRun } from "../editor/BlockPanel";
import { Editor } from "../editor/Editor";
import { withPositions } from "../editor/layout";
import { LocalTime } from "../RunsTable";
import { StatusText } from "../StatusText";
import { RunTimeline } from "./RunTimeline";

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export function RunPage({ uuid, canEdit }: { uuid: string; canEdit: boolean }) {
  const catalogue = useCatalogue();
  const [, navigate] = useLocation();
  const [message, setMessage] = useState<string | null>(null);
  // A rerun of the failed blocks continues this run: reading starts again.
  const [round, setRound] = useState(0);
  const run = useRun(uuid, round);
  const [pinned, setPinned] = useState<PlaybookJson | null>(null);
  // The playbook was deleted: its versions are no longer served, the run's account still is.
  const [gone, setGone] = useState(false);
  const [current, setCurrent] = useState<{ version: number; name: string } | null>(null);
  const playbookUuid = run?.playbook_uuid;
  const playbookVersion = run?.playbook_version;
  useEffect(() => {
    if (playbookUuid === undefined || playbookVersion === undefined) return;
    const path = { uuid: playbookUuid, version: playbookVersion };
    void api
      .GET("/api/v1/symphony/playbooks/{uuid}/versions/{version}", { params: { path } })
      .then(({ data, response }) => {
        if (data) setPinned(withPositions(data.playbook as PlaybookJson));
        setGone(!data && response.status === 404);
      });
    void api.GET("/api/v1/symphony/playbooks/{uuid}", { params: { path: { uuid: playbookUuid } } }).then(({ data }) => {
      if (data) setCurrent({ version: data.version, name: data.name });
    });
  }, [playbookUuid, playbookVersion]);

  if (!run || !catalogue || (!pinned && !gone)) return <p>Loading…</p>;

  const rerun = async (mode: "all" | "failed") => {
    const { data, error } = await api.POST("/api/v1/symphony/runs/{uuid}/rerun", {
      params: { path: { uuid } },
      body: { mode },
    });
    if (!data) return setMessage(problem(error));
    setMessage(null);
    if (data.uuid !== uuid) navigate(`/runs/${data.uuid}`);
    else setRound((r) => r + 1);
  };

  return (
    <section className="run" aria-labelledby="run-title">
      <header className="playbook-head">
        <h1 id="run-title">
          Run of <Link href={`/playbooks/${run.playbook_uuid}/runs`}>{current?.name ?? "the playbook"}</Link>
        </h1>
        <span>{run.name}</span>
        <StatusText status={run.status} />
        <span className="muted">
          v{run.playbook_version} · <LocalTime iso={run.started_at ?? run.created_at} />
          {run.duration_ms != null && ` · ${run.duration_ms} ms`}
        </span>
        {canEdit && FINISHED.has(run.status) && (
          <div className="row">
            {run.status === "failed" && (
              <button type="button" onClick={() => rerun("failed")}>
                Rerun failed blocks (keeps v{run.playbook_version})
              </button>
            )}
            <button type="button" onClick={() => rerun("all")}>
              Run again on the current version{current ? ` (v${current.version})` : ""}
            </button>
          </div>
        )}
      </header>
      {run.error && <p className="error">{run.error}</p>}
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      {pinned ? (
        <>
          <p className="muted">Select a block to see what it did in this run.</p>
          <Editor
            playbook={pinned}
            catalogue={catalogue}
            problems={[]}
            run={(run.nodes ?? {}) as Record<string, NodeRun>}
          />
          <RunTimeline nodes={run.nodes ?? {}} />
        </>
      ) : (
        <DeletedPlaybookRun nodes={(run.nodes ?? {}) as Record<string, NodeRun & { name?: string }>} />
      )}
    </section>
  );
}

/// A run whose playbook was deleted: its blocks as a list, without the graph.
function DeletedPlaybookRun({ nodes }: { nodes: Record<string, NodeRun & { name?: string }> }) {
  return (
    <>
      <p className="muted">The playbook of this run was deleted: its blocks are listed without the graph.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Block</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(nodes).map(([id, node]) => (
            <tr key={id}>
              <th scope="row">{node.name ?? id}</th>
              <td>
                <StatusText status={node.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

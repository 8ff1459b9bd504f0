// A playbook: Save and Off/On in the header, then its tabs (Workflow, Runs, Code, Overview).
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import { api, problem } from "../../api/client";
import { type Catalogue, useCatalogue } from "../../api/modules";
import type { components } from "../../api/schema";
import type { Diagnostic, PlaybookJson } from "../../api/types";
import { Editor } from "../../editor/Editor";
import { withPositions } from "../../editor/layout";
import { useKeptDraft } from "../../editor/keptDraft";
import { type Draft, useDraft } from "../../editor/useDraft";
import { CodeTab } from "./CodeTab";
import { OverviewTab } from "./OverviewTab";
import { RunsTab } from "./RunsTab";
import { TriggerLogsTab } from "./TriggerLogsTab";
import { VersionsTab } from "./VersionsTab";

export type PlaybookView = components["schemas"]["PlaybookView"];

const TABS = [
  { id: "workflow", label: "Workflow" },
  { id: "runs", label: "Runs" },
  { id: "versions", label: "Versions" },
  { id: "trigger-logs", label: "Trigger logs" },
  { id: "code", label: "Code" },
  { id: "overview", label: "Overview" },
] as const;

export function PlaybookPage({ uuid, tab, canEdit }: { uuid: string; tab: string; canEdit: boolean }) {
  const [view, setView] = useState<PlaybookView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const catalogue = useCatalogue();
  useEffect(() => {
    void api.GET("/api/v1/symphony/playbooks/{uuid}", { params: { path: { uuid } } }).then(({ data, error }) => {
      if (data) setView(data);
      else setError(problem(error));
    });
  }, [uuid]);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!view || !catalogue) return <p>Loading…</p>;
  return <Loaded key={uuid} initial={view} catalogue={catalogue} tab={tab} canEdit={canEdit} />;
}

type LoadedProps = { initial: PlaybookView; catalogue: Catalogue; tab: string; canEdit: boolean };

function Loaded({ initial, catalogue, tab, canEdit }: LoadedProps) {
  const [view, setView] = useState(initial);
  const draft = useDraft(withPositions(initial.playbook as PlaybookJson));
  const [message, setMessage] = useState<{ text: string; bad: boolean; conflict?: boolean } | null>(null);
  const checked = useValidation(draft.playbook, draft.dirty, view);
  const kept = useKeptDraft(view.uuid, view.version, draft.playbook, draft.dirty);

  // Saved over the version the draft started from: a version saved meanwhile (another tab,
  // another analyst) is not overwritten unless asked.
  const save = useCallback(
    async (overwrite = false) => {
      const { data, error, response } = await api.PUT("/api/v1/symphony/playbooks/{uuid}", {
        params: { path: { uuid: view.uuid } },
        body: { playbook: draft.playbook as never, base_version: overwrite ? undefined : view.version },
      });
      if (data) {
        setView(data);
        draft.reset(data.playbook as PlaybookJson);
        setMessage({ text: `Saved as v${data.version}.`, bad: false });
      } else setMessage({ text: `Not saved: ${problem(error)}`, bad: true, conflict: response.status === 409 });
    },
    [view.uuid, view.version, draft],
  );

  const toggle = async () => {
    const path = view.active
      ? "/api/v1/symphony/playbooks/{uuid}/deactivate"
      : "/api/v1/symphony/playbooks/{uuid}/activate";
    const { data, error } = await api.POST(path, { params: { path: { uuid: view.uuid } } });
    if (data) {
      setView(data);
      setMessage(null);
    } else setMessage({ text: `Not turned on: ${problem(error)}`, bad: true });
  };

  const [, navigate] = useLocation();
  const runNow = async () => {
    const { data, error } = await api.POST("/api/v1/symphony/playbooks/{uuid}/run", {
      params: { path: { uuid: view.uuid } },
      body: { event: {} },
    });
    if (data) navigate(`/runs/${data.uuid}`);
    else setMessage({ text: `Not run: ${problem(error)}`, bad: true });
  };

  const restore = (playbook: PlaybookJson, version: number) => {
    draft.change(withPositions(playbook));
    setMessage({ text: `v${version} restored into the draft: Save to make it v${view.version + 1}.`, bad: false });
    navigate(`/playbooks/${view.uuid}/workflow`);
  };

  useShortcuts(draft, save, canEdit);

  return (
    <section className="playbook" aria-labelledby="playbook-title">
      <header className="playbook-head">
        <h1 id="playbook-title">{draft.playbook.name}</h1>
        <span className="muted">v{view.version}{draft.dirty ? " · unsaved changes" : ""}</span>
        <nav aria-label="Playbook" className="tabs">
          {TABS.map((t) => (
            <Link key={t.id} href={`/playbooks/${view.uuid}/${t.id}`} aria-current={t.id === tab ? "page" : undefined}>
              {t.label}
              {t.id === "workflow" && checked.problems.length > 0 && <span className="tab-warning"> ⚠ {checked.problems.length}</span>}
            </Link>
          ))}
        </nav>
        {canEdit && (
          <div className="row">
            <button type="button" onClick={draft.undo} disabled={!draft.canUndo} title="Undo (Ctrl+Z)">
              Undo
            </button>
            <button type="button" onClick={draft.redo} disabled={!draft.canRedo} title="Redo (Ctrl+Shift+Z)">
              Redo
            </button>
            <button type="button" className="primary" onClick={() => save()} disabled={!draft.dirty} title="Save (Ctrl+S)">
              Save
            </button>
            <button
              type="button"
              onClick={runNow}
              disabled={draft.dirty}
              title={draft.dirty ? "Save first: a run starts from the saved version" : `Start a run of v${view.version} now, with an empty event`}
            >
              Run now
            </button>
            <button
              type="button"
              role="switch"
              aria-checked={view.active}
              aria-label={view.active ? "On" : "Off"}
              className={view.active ? "switch on" : "switch"}
              onClick={toggle}
            >
              {view.active ? "On" : "Off"}
            </button>
          </div>
        )}
      </header>
      {kept.offered && (
        <p role="status" className="kept">
          A draft of v{view.version} not saved ({new Date(kept.offered.at).toLocaleString()}) was kept in this browser.{" "}
          <button
            type="button"
            onClick={() => {
              draft.change(withPositions(kept.offered?.playbook ?? draft.playbook));
              kept.dismiss();
            }}
          >
            Restore the draft
          </button>{" "}
          <button type="button" className="quiet" onClick={kept.forget}>
            Discard it
          </button>
        </p>
      )}
      {message && (
        <p role={message.bad ? "alert" : "status"} className={message.bad ? "error" : "ok"}>
          {message.text}
          {message.conflict && (
            <>
              {" "}
              <button type="button" onClick={() => save(true)}>
                Save over it
              </button>
            </>
          )}
        </p>
      )}
      {tab === "workflow" && (
        <Editor
          playbook={draft.playbook}
          catalogue={catalogue}
          problems={checked.problems}
          warnings={checked.warnings}
          onChange={canEdit ? draft.change : undefined}
          playbookUuid={view.uuid}
        />
      )}
      {tab === "runs" && <RunsTab view={view} />}
      {tab === "versions" && (
        <VersionsTab
          uuid={view.uuid}
          current={view.version}
          catalogue={catalogue}
          onRestore={canEdit ? restore : undefined}
        />
      )}
      {tab === "trigger-logs" && <TriggerLogsTab view={view} />}
      {tab === "code" && <CodeTab playbook={draft.playbook} onChange={canEdit ? draft.change : undefined} />}
      {tab === "overview" && <OverviewTab view={view} playbook={draft.playbook} onChange={canEdit ? draft.change : undefined} />}
    </section>
  );
}

type Checked = { problems: Diagnostic[]; warnings: Diagnostic[] };

/** The server's validator on the draft, asked again a moment after each change. */
function useValidation(playbook: PlaybookJson, dirty: boolean, view: PlaybookView): Checked {
  const saved = { problems: view.problems, warnings: view.warnings };
  const [checked, setChecked] = useState<Checked>(saved);
  const latest = useRef(0);
  useEffect(() => {
    if (!dirty) {
      setChecked({ problems: view.problems, warnings: view.warnings });
      return;
    }
    const ask = ++latest.current;
    const timer = setTimeout(async () => {
      const { data, error } = await api.POST("/api/v1/symphony/playbooks/validate", { body: { playbook: playbook as never } });
      if (ask !== latest.current) return;
      if (data) setChecked({ problems: data.problems, warnings: data.warnings });
      else {
        const errors = ((error as { errors?: { detail: string; path?: string }[] })?.errors ?? []).map((e) => ({
          path: (e.path ?? "$").replace("$.playbook", "$"),
          message: e.detail,
        }));
        setChecked({ problems: errors, warnings: [] });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [playbook, dirty, view]);
  return checked;
}

/** Ctrl+S saves, Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo. */
function useShortcuts(draft: Draft, save: (overwrite?: boolean) => Promise<void>, canEdit: boolean) {
  useEffect(() => {
    if (!canEdit) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      const typing = event.target instanceof HTMLElement && event.target.closest("input, textarea, select");
      if (key === "s") {
        event.preventDefault();
        if (draft.dirty) void save();
      } else if (!typing && key === "z") {
        event.preventDefault();
        if (event.shiftKey) draft.redo();
        else draft.undo();
      } else if (!typing && key === "y") {
        event.preventDefault();
        draft.redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [draft, save, canEdit]);
}

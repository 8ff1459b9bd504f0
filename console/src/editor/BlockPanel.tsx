// The right panel for the selected block: its name, Account, Configuration (an operator's own
// editor), links, Variables and Execution settings; over a run, what the block did.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import type { Catalogue } from "../api/modules";
import type { Diagnostic, NodeJson, PlaybookJson } from "../api/types";
import { Account } from "./Account";
import { OPERATOR_FIELDS, OperatorEditor, operatorResults } from "./Operators";
import { type Link, exitsOf, expressionFor, linksOf, nodeOfProblem, operatorOf, problemsAt, upstreamOf } from "./playbook";
import { type Preview, SchemaForm, type VariableGroup } from "./SchemaForm";
import { Variables, fieldsOf } from "./Variables";
import type { RealCall } from "./realCalls";

/** "Test this block" waiting for a yes: the real tools it would call, and the ways on. */
export type Confirm = { calls: RealCall[]; run: () => void; mock: () => void; cancel: () => void };

export type NodeRun = {
  status: string;
  attempts: number;
  arguments?: unknown;
  results?: unknown;
  logs: unknown[];
  error?: string | null;
  started_at?: string | null;
  ended_at?: string | null;
  truncated?: boolean;
};

type Props = {
  id: string;
  playbook: PlaybookJson;
  catalogue: Catalogue;
  problems: Diagnostic[];
  run?: NodeRun;
  /** Every node of the run shown (a past run or a test run): what previews render with. */
  runNodes?: Record<string, NodeRun>;
  runLabel?: string;
  /** What this block answers in test runs instead of being called; undefined when it is not mocked. */
  mock?: unknown;
  onMock?: (value: unknown) => void;
  /** "Test this block". */
  onTest?: () => void;
  confirm?: Confirm;
  readOnly: boolean;
  onChange: (change: Partial<NodeJson>) => void;
  /** The block replaced as a whole: an operator's edits, which may remove fields. */
  onNode: (node: NodeJson) => void;
  onArgument: (key: string, value: unknown) => void;
  onConnect: (link: Link) => void;
  onDisconnect: (link: Link) => void;
  onRemove: () => void;
};

export function BlockPanel(props: Props) {
  const node = props.playbook.nodes[props.id];
  return node ? <BlockPanelOf {...props} node={node} /> : null;
}

/** The panel of a block that exists: its hooks run on every render, none after an early return. */
function BlockPanelOf(props: Props & { node: NodeJson }) {
  const { id, node, playbook, catalogue, problems, run, readOnly } = props;
  const block = catalogue.blockOf(node);
  const configurable = Object.keys(block?.module.configuration?.properties ?? {}).length > 0;
  const fieldProblems = problemsAt(problems, id, ".arguments.");
  const operator = operatorOf(node) !== undefined;
  const variables = useUpstreamVariables(playbook, id, catalogue, props.runNodes);
  const preview = usePreviewer(props.runNodes);
  return (
    <aside className="panel" id="block-panel" tabIndex={-1} aria-label={`Block ${node.name}`}>
      <div className="panel-head">
        {readOnly ? (
          <h2>{node.name}</h2>
        ) : (
          <>
            <label htmlFor="block-name">Block name</label>
            <input id="block-name" value={node.name} onChange={(e) => props.onChange({ name: e.target.value })} />
          </>
        )}
        <p className="muted">
          <code>node.{id}</code> · {block ? `${block.module.name} ${block.kind}` : node.type}
        </p>
        {block?.manifest.description && <p className="help">{block.manifest.description}</p>}
      </div>
      {run && <RunResult run={run} label={props.runLabel ?? "In this run"} />}
      {node.type === "action" && props.onMock && (
        <Mock run={run} mock={props.mock} onMock={props.onMock} onTest={props.onTest} confirm={props.confirm} />
      )}
      {block && configurable && (
        <Account
          module={block.module}
          value={node.module_configuration_uuid}
          readOnly={readOnly}
          onChange={(uuid) => props.onChange({ module_configuration_uuid: uuid })}
        />
      )}
      {operator ? (
        <OperatorEditor
          id={id}
          node={node}
          playbook={playbook}
          problems={problems}
          readOnly={readOnly}
          variables={variables}
          preview={props.runNodes ? preview : undefined}
          onChange={props.onNode}
        />
      ) : (
        <section className="panel-section" aria-labelledby="configuration-title">
          <h3 id="configuration-title">Configuration</h3>
          {block ? (
            <fieldset disabled={readOnly}>
              <SchemaForm
                schema={block.manifest.arguments}
                values={node.arguments ?? {}}
                problems={fieldProblems}
                variables={variables}
                preview={props.runNodes ? preview : undefined}
                onChange={props.onArgument}
              />
            </fieldset>
          ) : (
            <p className="muted">Edit this block's fields in the Code tab.</p>
          )}
        </section>
      )}
      {problems
        .filter((p) => nodeOfProblem(p) === id && !shownAtField(p, id))
        .map((p) => (
          <p key={`${p.path}${p.message}`} className="error">
            {p.message}
          </p>
        ))}
      <Links {...props} node={node} />
      <Variables nodeId={id} results={block?.manifest.results ?? operatorResults(node)} data={run?.results} />
      {node.type === "action" && <Execution node={node} readOnly={readOnly} onChange={props.onChange} />}
      {!readOnly && (
        <button type="button" className="danger" onClick={props.onRemove}>
          Delete block
        </button>
      )}
    </aside>
  );
}

function Links({ id, playbook, node, readOnly, onConnect, onDisconnect }: Props & { node: NodeJson }) {
  const links = linksOf(playbook).filter((l) => l.source === id);
  const targets = Object.entries(playbook.nodes).filter(([other, n]) => other !== id && n.type !== "trigger");
  const branches = exitsOf(node);
  return (
    <section className="panel-section" aria-labelledby="links-title">
      <h3 id="links-title">Next blocks</h3>
      {links.length === 0 && <p className="muted">Nothing runs after this block.</p>}
      <ul>
        {links.map((link) => (
          <li key={`${link.branch}-${link.target}`}>
            {link.branch !== "default" && <span className="muted">{link.branch}: </span>}
            {playbook.nodes[link.target]?.name ?? "?"} <code>node.{link.target}</code>{" "}
            {!readOnly && (
              <button type="button" className="icon" onClick={() => onDisconnect(link)}>
                Unlink
              </button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && targets.length > 0 && (
        <form
          className="row"
          aria-label="Link to a block"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            onConnect({ source: id, branch: String(form.get("branch") ?? "default"), target: String(form.get("target")) });
          }}
        >
          {branches.length > 1 && (
            <select name="branch" aria-label="Branch">
              {branches.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          )}
          <select name="target" aria-label="Link to">
            {targets.map(([other, n]) => (
              <option key={other} value={other}>
                {n.name} (node.{other})
              </option>
            ))}
          </select>
          <button type="submit">Link</button>
        </form>
      )}
    </section>
  );
}

function Execution({ node, readOnly, onChange }: { node: NodeJson; readOnly: boolean; onChange: Props["onChange"] }) {
  return (
    <section className="panel-section" aria-labelledby="execution-title">
      <h3 id="execution-title">Execution</h3>
      <fieldset disabled={readOnly}>
        <label htmlFor="block-timeout">Timeout of one attempt (seconds)</label>
        <input
          id="block-timeout"
          type="number"
          min={1}
          value={node.timeout ?? ""}
          onChange={(e) => onChange({ timeout: e.target.value === "" ? undefined : Number(e.target.value) })}
        />
        <label htmlFor="block-attempts">Attempts in all (1 = no retry)</label>
        <input
          id="block-attempts"
          type="number"
          min={1}
          max={100}
          value={node.retry?.max_attempts ?? ""}
          placeholder="3, the default"
          onChange={(e) =>
            onChange({
              retry: e.target.value === "" ? undefined : { ...(node.retry ?? {}), max_attempts: Number(e.target.value) },
            })
          }
        />
        <p className="help">Timeouts and network failures are retried with a growing delay; errors the action reports are not.</p>
        <label className="check">
          <input
            type="checkbox"
            checked={node.continue_on_error === true}
            onChange={(e) => onChange({ continue_on_error: e.target.checked ? true : undefined })}
          />
          Continue on error
        </label>
      </fieldset>
    </section>
  );
}

function RunResult({ run, label }: { run: NodeRun; label: string }) {
  return (
    <section className="panel-section" aria-labelledby="result-title">
      <h3 id="result-title">{label}</h3>
      <dl className="facts">
        <dt>Status</dt>
        <dd className={`status-text status-${run.status}`}>{run.status}</dd>
        <dt>Attempts</dt>
        <dd>{run.attempts}</dd>
        {run.started_at && (
          <>
            <dt>Started</dt>
            <dd>{run.started_at}</dd>
          </>
        )}
        {run.ended_at && (
          <>
            <dt>Ended</dt>
            <dd>{run.ended_at}</dd>
          </>
        )}
      </dl>
      {run.error && (
        <>
          <h4>Error</h4>
          <pre className="error" tabIndex={0} aria-label="Error">
            {run.error}
          </pre>
        </>
      )}
      {run.arguments !== undefined && <JsonBlock title="Arguments" value={run.arguments} />}
      {run.results !== undefined && <JsonBlock title="Results" value={run.results} />}
      {run.logs.length > 0 && <JsonBlock title="Logs" value={run.logs} />}
      {run.truncated && <p className="muted">This run is large: this block's details are left out of its view.</p>}
    </section>
  );
}

/** "Mock this action" and "Pin this output": what the block answers in test runs, never saved. */
type MockProps = { run?: NodeRun; mock: unknown; onMock: (value: unknown) => void; onTest?: () => void; confirm?: Confirm };

function Mock({ run, mock, onMock, onTest, confirm }: MockProps) {
  const mocked = mock !== undefined;
  const [text, setText] = useState(() => (mocked ? JSON.stringify(mock, null, 2) : "{}"));
  const [error, setError] = useState<string | null>(null);
  // Mocked from elsewhere ("Mock it instead"): the text shows what the block now answers.
  const [shownMock, setShownMock] = useState(mock);
  if (mock !== shownMock) {
    setShownMock(mock);
    if (mock !== undefined && !sameJson(text, mock)) setText(JSON.stringify(mock, null, 2));
  }
  const testButton = useRef<HTMLButtonElement>(null);
  const results = useRef<HTMLTextAreaElement>(null);
  const [focusResults, setFocusResults] = useState(false);
  useEffect(() => {
    if (focusResults && mocked) {
      results.current?.focus();
      setFocusResults(false);
    }
  }, [focusResults, mocked]);
  const edit = (next: string) => {
    setText(next);
    try {
      onMock(JSON.parse(next));
      setError(null);
    } catch (e) {
      setError(`Not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const pin = () => {
    const results = run?.results ?? {};
    setText(JSON.stringify(results, null, 2));
    onMock(results);
  };
  return (
    <section className="panel-section" aria-labelledby="mock-title">
      <h3 id="mock-title">Test</h3>
      {onTest && (
        <>
          <button type="button" ref={testButton} onClick={onTest} aria-expanded={confirm ? true : undefined}>
            Test this block
          </button>
          {confirm && (
            <RealCallNotice
              confirm={confirm}
              onRun={() => {
                confirm.run();
                testButton.current?.focus();
              }}
              onMock={() => {
                confirm.mock();
                setFocusResults(true);
              }}
              onCancel={() => {
                confirm.cancel();
                testButton.current?.focus();
              }}
            />
          )}
          <p className="help">
            Runs this block and the blocks before it on the test event; those that gave an output in the run shown give it
            again instead of being called.
          </p>
        </>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={mocked}
          onChange={(e) => {
            setError(null);
            if (!e.target.checked) return onMock(undefined);
            onMock(JSON.parse(text));
          }}
        />
        Mock this action
      </label>
      {mocked && (
        <>
          <label htmlFor="mock-results">Mocked results (JSON)</label>
          <textarea id="mock-results" ref={results} rows={5} value={text} spellCheck={false} onChange={(e) => edit(e.target.value)} />
        </>
      )}
      {error && <p className="error">{error}</p>}
      {run?.results !== undefined && run.status === "succeeded" && (
        <button type="button" onClick={pin}>
          Pin this output
        </button>
      )}
      <p className="help">Test runs use these results instead of calling the action. They are not saved in the playbook.</p>
    </section>
  );
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/**
 * Before a test reaches real tools: which, and where. It takes the focus so that it is read
 * first; Escape or Cancel leave everything as it was.
 */
type NoticeProps = { confirm: Confirm; onRun: () => void; onMock: () => void; onCancel: () => void };

function RealCallNotice({ confirm, onRun, onMock, onCancel }: NoticeProps) {
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => notice.current?.focus(), []);
  const many = confirm.calls.length > 1;
  return (
    <div
      ref={notice}
      className="real-calls"
      role="alertdialog"
      aria-labelledby="real-calls-title"
      aria-describedby="real-calls-list"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        onCancel();
      }}
    >
      <p id="real-calls-title">
        <strong>This test calls {many ? "real tools" : "a real tool"}.</strong> Nothing mocks{" "}
        {many ? "these blocks" : "this block"}: {many ? "they run" : "it runs"} as in a real run, with its side effects.
      </p>
      <ul id="real-calls-list">
        {confirm.calls.map((call) => (
          <li key={call.id}>
            {call.name} <code>node.{call.id}</code>: {call.tool}
            {call.url && (
              <>
                {" "}
                at <code>{call.url}</code>
              </>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="danger" onClick={onRun}>
          Run it for real
        </button>
        <button type="button" onClick={onMock}>
          {many ? "Mock them instead" : "Mock it instead"}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function JsonBlock({ title, value }: { title: string; value: unknown }) {
  return (
    <>
      <h4>{title}</h4>
      <pre tabIndex={0} aria-label={title}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </>
  );
}

/** Most expressions offered per upstream block. */
const MAX_OFFERED = 60;

/** The outputs of the blocks upstream of `id`, and only those: what its templates can read. */
function useUpstreamVariables(
  playbook: PlaybookJson,
  id: string,
  catalogue: Catalogue,
  runNodes: Record<string, NodeRun> | undefined,
): VariableGroup[] {
  return useMemo(
    () =>
      upstreamOf(playbook, id).map((upstream) => {
        const node = playbook.nodes[upstream];
        const results = node ? (catalogue.blockOf(node)?.manifest.results ?? operatorResults(node)) : undefined;
        const fields = fieldsOf(results, runNodes?.[upstream]?.results).slice(0, MAX_OFFERED);
        return {
          id: upstream,
          name: node?.name ?? "",
          expressions: [expressionFor(upstream, []), ...fields.map((f) => expressionFor(upstream, f.path))],
        };
      }),
    [playbook, id, catalogue, runNodes],
  );
}

/** Previews render with the shown run's outputs; without a run there is nothing to render with. */
function usePreviewer(runNodes: Record<string, NodeRun> | undefined) {
  const nodes = useMemo(() => {
    if (!runNodes) return undefined;
    const outputs: Record<string, unknown> = {};
    for (const [key, node] of Object.entries(runNodes)) {
      if (!key.includes("[") && node.results !== undefined) outputs[key] = node.results;
    }
    return outputs;
  }, [runNodes]);
  return useCallback(
    async (template: unknown, json: boolean): Promise<Preview> => {
      const { data, error } = await api.POST("/api/v1/symphony/templates/render", {
        body: { template: template as never, nodes: nodes as Record<string, never>, json },
      });
      if (data?.error != null) return { error: data.error };
      if (data) return { value: data.value };
      return { error: (error as { errors?: { detail: string }[] })?.errors?.[0]?.detail ?? "The preview failed." };
    },
    [nodes],
  );
}

/** Whether the panel shows this problem of node `id` beside one of its fields. */
function shownAtField(problem: Diagnostic, id: string): boolean {
  const prefix = `$.nodes["${id}"]`;
  if (!problem.path.startsWith(prefix)) return false;
  const rest = problem.path.slice(prefix.length);
  return /^\.arguments\.[^.[]+/.test(rest) || OPERATOR_FIELDS.test(rest);
}

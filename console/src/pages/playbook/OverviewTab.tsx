// What the playbook is: its name and description (edited into the draft), identity and dates.
import type { PlaybookJson } from "../../api/types";
import type { PlaybookView } from "./PlaybookPage";

type Props = { view: PlaybookView; playbook: PlaybookJson; onChange?: (next: PlaybookJson) => void };

export function OverviewTab({ view, playbook, onChange }: Props) {
  return (
    <section aria-labelledby="overview-title" className="overview">
      <h2 id="overview-title">Overview</h2>
      <fieldset disabled={!onChange}>
        <label htmlFor="playbook-name">Name</label>
        <input id="playbook-name" value={playbook.name} onChange={(e) => onChange?.({ ...playbook, name: e.target.value })} />
        <label htmlFor="playbook-description">Description</label>
        <textarea
          id="playbook-description"
          rows={4}
          value={playbook.description ?? ""}
          onChange={(e) => onChange?.({ ...playbook, description: e.target.value })}
        />
      </fieldset>
      <dl className="facts">
        <dt>UUID</dt>
        <dd>
          <code>{view.uuid}</code>
        </dd>
        <dt>Version</dt>
        <dd>v{view.version}</dd>
        <dt>Created</dt>
        <dd>{new Date(view.created_at).toISOString()}</dd>
        <dt>Last saved</dt>
        <dd>{new Date(view.updated_at).toISOString()}</dd>
        <dt>State</dt>
        <dd>{view.active ? "On" : `Off${view.deactivation_reason ? `: ${view.deactivation_reason}` : ""}`}</dd>
      </dl>
    </section>
  );
}

// The Account section: which module configuration a block uses, and `+ Create new
// configuration` without leaving the editor. Secret fields are typed once and never shown again.
import { useCallback, useEffect, useState } from "react";
import { api, problem } from "../api/client";
import type { JsonSchema, ModuleManifest } from "../api/types";
import { SchemaForm, secretFields } from "./SchemaForm";

type Configuration = { uuid: string; name: string; module_uuid: string };

type Props = {
  module: ModuleManifest;
  value: string | null | undefined;
  onChange: (uuid: string | null) => void;
  readOnly: boolean;
};

export function Account({ module, value, onChange, readOnly }: Props) {
  const [configurations, setConfigurations] = useState<Configuration[]>([]);
  const [creating, setCreating] = useState(false);
  const load = useCallback(async () => {
    const { data } = await api.GET("/api/v1/symphony/module-configurations", {
      params: { query: { module_uuid: module.uuid } },
    });
    setConfigurations(((data as { items?: Configuration[] } | undefined)?.items ?? []).filter((c) => c.module_uuid === module.uuid));
  }, [module.uuid]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="panel-section" aria-labelledby="account-title">
      <h3 id="account-title">Account</h3>
      <label htmlFor="account-select">Module configuration</label>
      <select
        id="account-select"
        value={value ?? ""}
        disabled={readOnly}
        onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}
      >
        <option value="">Default ({module.name} on this server)</option>
        {configurations.map((c) => (
          <option key={c.uuid} value={c.uuid}>
            {c.name}
          </option>
        ))}
      </select>
      {!readOnly &&
        (creating ? (
          <NewConfiguration
            module={module}
            onCancel={() => setCreating(false)}
            onCreated={async (uuid) => {
              setCreating(false);
              await load();
              onChange(uuid);
            }}
          />
        ) : (
          <button type="button" className="link" onClick={() => setCreating(true)}>
            + Create new configuration
          </button>
        ))}
    </section>
  );
}

type NewProps = { module: ModuleManifest; onCancel: () => void; onCreated: (uuid: string) => void };

function NewConfiguration({ module, onCancel, onCreated }: NewProps) {
  const [name, setName] = useState("");
  const [value, setValue] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<string | null>(null);
  const schema: JsonSchema = module.configuration ?? {};
  const save = async () => {
    const { data, error } = await api.POST("/api/v1/symphony/module-configurations", {
      body: { module_uuid: module.uuid, name, value },
    });
    if (data) onCreated(data.uuid);
    else setError(problem(error));
  };
  return (
    <form
      className="subform"
      aria-label="New configuration"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor="configuration-name">Name</label>
      <input id="configuration-name" required value={name} onChange={(e) => setName(e.target.value)} />
      <SchemaForm
        schema={schema}
        values={value}
        secrets={secretFields(schema)}
        onChange={(key, v) => setValue((current) => withValue(current, key, v))}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit">Save</button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}


function withValue(current: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...current };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

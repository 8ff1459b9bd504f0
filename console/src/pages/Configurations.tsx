// Module configurations: made and changed with forms from each module's manifest. Secret
// fields are write-only: the page never has their values, and leaves them out of a change
// unless they are typed again.
import { useCallback, useEffect, useState } from "react";
import { api, problem } from "../api/client";
import { useCatalogue } from "../api/modules";
import type { components } from "../api/schema";
import type { ModuleManifest } from "../api/types";
import { SchemaForm, secretFields } from "../editor/SchemaForm";

type Configuration = components["schemas"]["ConfigurationView"];

export function Configurations({ canEdit }: { canEdit: boolean }) {
  const catalogue = useCatalogue();
  const [items, setItems] = useState<Configuration[] | null>(null);
  const [editing, setEditing] = useState<Configuration | "new" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const { data, error } = await api.GET("/api/v1/symphony/module-configurations");
    if (data) setItems((data as unknown as { items: Configuration[] }).items);
    else setError(problem(error));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const remove = async (configuration: Configuration) => {
    if (!window.confirm(`Delete the configuration ${configuration.name}?`)) return;
    const { error } = await api.DELETE("/api/v1/symphony/module-configurations/{uuid}", {
      params: { path: { uuid: configuration.uuid } },
    });
    setError(error ? problem(error) : null);
    await load();
  };
  if (!items || !catalogue) return <p>Loading…</p>;
  return (
    <section aria-labelledby="configurations-title">
      <div className="row spread">
        <h1 id="configurations-title">Module configurations</h1>
        {canEdit && (
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            + Configuration
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {editing && (
        <ConfigurationForm
          key={editing === "new" ? "new" : editing.uuid}
          modules={catalogue.modules}
          existing={editing === "new" ? null : editing}
          onDone={async () => {
            setEditing(null);
            await load();
          }}
        />
      )}
      {items.length === 0 ? (
        <p>No configuration yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Module</th>
              <th scope="col">Secrets stored</th>
              <th scope="col">Account check</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.uuid}>
                <th scope="row">{c.name}</th>
                <td>{catalogue.module(c.module_uuid)?.name ?? c.module_uuid}</td>
                <td>{c.secrets.length === 0 ? "none" : c.secrets.join(", ")}</td>
                <td>
                  <AccountCheck check={c.account_check} />
                </td>
                <td className="row">
                  {canEdit && (
                    <>
                      <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                        Edit
                      </button>
                      <button type="button" className="quiet" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/// What the module's account validator said when the configuration was made or last changed.
function AccountCheck({ check }: { check: Configuration["account_check"] }) {
  if (!check) return <span className="muted">not checked</span>;
  if (check.success) return <span>accepted</span>;
  return <span className="error">refused: {check.error ?? "no reason given"}</span>;
}

type FormProps = { modules: ModuleManifest[]; existing: Configuration | null; onDone: () => void };

function ConfigurationForm({ modules, existing, onDone }: FormProps) {
  const configurable = modules.filter((m) => Object.keys(m.configuration?.properties ?? {}).length > 0);
  const [moduleUuid, setModuleUuid] = useState(existing?.module_uuid ?? configurable[0]?.uuid ?? "");
  const [name, setName] = useState(existing?.name ?? "");
  const module = modules.find((m) => m.uuid === moduleUuid);
  const secrets = module?.configuration ? secretFields(module.configuration) : [];
  const [value, setValue] = useState<Record<string, unknown>>(() => withoutSecrets(existing?.value, secrets));
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    const { error } = existing
      ? await api.PUT("/api/v1/symphony/module-configurations/{uuid}", {
          params: { path: { uuid: existing.uuid } },
          body: { name, value },
        })
      : await api.POST("/api/v1/symphony/module-configurations", { body: { module_uuid: moduleUuid, name, value } });
    if (error) setError(problem(error));
    else onDone();
  };
  return (
    <form
      className="subform"
      aria-label={existing ? `Edit ${existing.name}` : "New configuration"}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {!existing && (
        <>
          <label htmlFor="configuration-module">Module</label>
          <select id="configuration-module" value={moduleUuid} onChange={(e) => setModuleUuid(e.target.value)}>
            {configurable.map((m) => (
              <option key={m.uuid} value={m.uuid}>
                {m.name}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor="configuration-form-name">Name</label>
      <input id="configuration-form-name" required value={name} onChange={(e) => setName(e.target.value)} />
      {existing && existing.secrets.length > 0 && (
        <p className="help">
          Stored secrets ({existing.secrets.join(", ")}) are not shown: leave them empty to keep them, or type new values.
        </p>
      )}
      <SchemaForm
        key={moduleUuid}
        schema={module?.configuration}
        values={value}
        secrets={secrets}
        onChange={(key, v) =>
          setValue((current) => {
            const next = { ...current };
            if (v === undefined) delete next[key];
            else next[key] = v;
            return next;
          })
        }
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" className="quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The server never gives secret values; a change sends only the secrets typed again. */
function withoutSecrets(value: unknown, secrets: string[]): Record<string, unknown> {
  const fields = { ...((value as Record<string, unknown> | undefined) ?? {}) };
  for (const key of secrets) delete fields[key];
  return fields;
}

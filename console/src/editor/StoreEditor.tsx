// A store in the block panel: the keys it changes in the run's store, in order, each set,
// unset, appended to or removed from.
import { useState } from "react";
import type { JsonSchema, ModificationJson } from "../api/types";
import type { OperatorProps } from "./Operators";
import { Choice, ItemButtons, type Moved, TextField } from "./OperatorFields";
import { MODIFICATION_TYPES, addModification, moveModification, problemsAt, removeModification, updateModification } from "./playbook";
import { SchemaForm } from "./SchemaForm";

const VALUE: JsonSchema = {
  properties: { value: { type: "string", description: "Text, or a template: {{ node.1['id'] }}, {{ 0 }} for the number." } },
};

export function StoreEditor({ id, node, problems, readOnly, variables, preview, onChange }: OperatorProps) {
  const modifications = node.modifications ?? [];
  const [moved, setMoved] = useState<Moved | null>(null);
  return (
    <section className="panel-section" aria-labelledby="store-title">
      <h3 id="store-title">Keys</h3>
      <p className="help">
        What the run's store keeps, changed in this order; later blocks read a key as <code>{"{{ store.key }}"}</code>.
      </p>
      <fieldset disabled={readOnly}>
        {modifications.map((m, index) => {
          const fields = problemsAt(problems, id, `.modifications[${index}].`);
          const update = (change: Partial<ModificationJson>) => onChange(updateModification(node, index, change));
          return (
            <fieldset key={index} className="item">
              <legend>Key {index + 1}</legend>
              <TextField label="Key" value={m.key} problem={fields.key} onChange={(key) => update({ key })} />
              <Choice
                label="Change"
                value={m.type}
                choices={MODIFICATION_TYPES}
                names={{
                  set: "set: the key takes the value",
                  unset: "unset: the key is removed",
                  append: "append: the value joins the key's list",
                  remove: "remove: the value leaves the key's list",
                }}
                problem={fields.type}
                onChange={(type) => update({ type })}
              />
              {m.type !== "unset" && (
                <SchemaForm
                  schema={VALUE}
                  values={{ value: m.value }}
                  problems={fields}
                  variables={variables}
                  preview={preview}
                  onChange={(_, value) => update({ value: value ?? "" })}
                />
              )}
              <ItemButtons
                what={`key ${index + 1}`}
                index={index}
                count={modifications.length}
                moved={moved?.index === index ? moved : undefined}
                onMove={(towards) => {
                  const to = towards === "up" ? index - 1 : index + 1;
                  onChange(moveModification(node, index, to));
                  setMoved({ index: to, towards });
                }}
                onRemove={() => onChange(removeModification(node, index))}
              />
            </fieldset>
          );
        })}
        {modifications.length === 0 && <p className="muted">No key yet.</p>}
        <button type="button" onClick={() => onChange(addModification(node))}>
          Add a key
        </button>
      </fieldset>
    </section>
  );
}


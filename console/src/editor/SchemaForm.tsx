// A form drawn from a manifest's JSON Schema. Every field takes a template: the server, not the
// form, says whether `{{ node.0.urgency }}` fits an integer field, so nothing typed is refused here.
import { useId, useState } from "react";
import type { JsonSchema } from "../api/types";

type Props = {
  schema: JsonSchema | undefined;
  values: Record<string, unknown>;
  onChange: (key: string, value: unknown) => void;
  /** Fields whose value is never shown again once stored (a configuration's secrets). */
  secrets?: string[];
  /** Paths of problems the server found, by field: shown beside the field. */
  problems?: Record<string, string>;
};

export function SchemaForm({ schema, values, onChange, secrets = [], problems = {} }: Props) {
  const properties = Object.entries(schema?.properties ?? {});
  if (properties.length === 0) return <p className="muted">This block takes no argument.</p>;
  const required = new Set(schema?.required ?? []);
  return (
    <div className="form">
      {properties.map(([key, property]) => (
        <Field
          key={key}
          name={key}
          schema={property}
          required={required.has(key)}
          secret={secrets.includes(key)}
          value={values[key]}
          problem={problems[key]}
          onChange={(value) => onChange(key, value)}
        />
      ))}
    </div>
  );
}

type FieldProps = {
  name: string;
  schema: JsonSchema;
  required: boolean;
  secret: boolean;
  value: unknown;
  problem?: string;
  onChange: (value: unknown) => void;
};

function Field({ name, schema, required, secret, value, problem, onChange }: FieldProps) {
  const id = useId();
  const [text, setText] = useState(() => (secret ? "" : display(value)));
  const structured = isStructured(schema);
  const change = (next: string) => {
    setText(next);
    onChange(parse(next, schema));
  };
  const described = [schema.description && `${id}-help`, problem && `${id}-problem`].filter(Boolean).join(" ");
  const common = {
    id,
    value: text,
    "aria-required": required,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": described || undefined,
    spellCheck: false,
  };
  return (
    <div className="field">
      <div className="field-head">
        <label htmlFor={id}>{name}</label>
        {required && (
          <span className="required" title="Required" aria-hidden="true">
            *
          </span>
        )}
        <span className="type">{typeName(schema)}</span>
      </div>
      {secret ? (
        <input {...common} type="password" autoComplete="new-password" onChange={(e) => change(e.target.value)} />
      ) : structured ? (
        <textarea {...common} rows={3} onChange={(e) => change(e.target.value)} />
      ) : (
        <input {...common} list={schema.enum ? `${id}-choices` : undefined} onChange={(e) => change(e.target.value)} />
      )}
      {schema.enum && (
        <datalist id={`${id}-choices`}>
          {schema.enum.map((choice) => (
            <option key={String(choice)} value={String(choice)} />
          ))}
        </datalist>
      )}
      {schema.description && (
        <p id={`${id}-help`} className="help">
          {schema.description}
        </p>
      )}
      {problem && (
        <p id={`${id}-problem`} className="error">
          {problem}
        </p>
      )}
    </div>
  );
}

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

function typeName(schema: JsonSchema): string {
  return types(schema).filter((t) => t !== "null").join(" or ");
}

function isStructured(schema: JsonSchema): boolean {
  return types(schema).some((t) => t === "object" || t === "array");
}

/** How a stored value is shown: text as it is, anything else as JSON. */
export function display(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * What typed text stores: text for a text field; for any other field, the JSON it spells when it
 * spells one without a template in it, else the text itself, a template the engine renders and
 * then reads as the field's type (as Sekoia stores `{"id": "{{ node.0.id }}"}` typed in a JSON
 * field). Clearing a field removes the argument.
 */
export function parse(text: string, schema: JsonSchema): unknown {
  if (text === "") return undefined;
  const kinds = types(schema);
  if (kinds.length === 0 || kinds.includes("string") || /\{[{%#]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// A form drawn from a manifest's JSON Schema. Every field takes a template: the server, not the
// form, says whether `{{ node.0.urgency }}` fits an integer field, so nothing typed is refused here.
import { useEffect, useId, useState } from "react";
import type { JsonSchema } from "../api/types";

/** Blocks a field may read, each with the expressions of its outputs. */
export type VariableGroup = { id: string; name: string; expressions: string[] };
/** What the server renders a field's value to, or why it cannot. */
export type Preview = { value: unknown } | { error: string };

type Props = {
  schema: JsonSchema | undefined;
  /** Offered by each field's "Insert a variable" list. */
  variables?: VariableGroup[];
  /** Renders a value that holds a template, for the preview under its field. */
  preview?: (value: unknown, json: boolean) => Promise<Preview>;
  values: Record<string, unknown>;
  onChange: (key: string, value: unknown) => void;
  /** Fields whose value is never shown again once stored (a configuration's secrets). */
  secrets?: string[];
  /** Paths of problems the server found, by field: shown beside the field. */
  problems?: Record<string, string>;
};

export function SchemaForm({ schema, values, onChange, secrets = [], problems = {}, variables = [], preview }: Props) {
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
          variables={variables}
          preview={preview}
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
  variables: VariableGroup[];
  preview?: Props["preview"];
  onChange: (value: unknown) => void;
};

function Field({ name, schema, required, secret, value, problem, variables, preview, onChange }: FieldProps) {
  const id = useId();
  const [text, setText] = useState(() => (secret ? "" : display(value)));
  // A value changed elsewhere (undo, redo, the Code tab) shows here; one typed here stays as typed.
  useEffect(() => {
    if (!secret && JSON.stringify(parse(text, schema)) !== JSON.stringify(value)) setText(display(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new value resyncs: text typed here is not undone as it is typed
  }, [value]);
  const structured = isStructured(schema);
  const [element, setElement] = useState<HTMLInputElement | HTMLTextAreaElement | null>(null);
  // The variables are listed once the list is reached: a block deep in a long playbook has
  // hundreds of them, for each of its fields.
  const [offering, setOffering] = useState(false);
  const change = (next: string) => {
    setText(next);
    onChange(parse(next, schema));
  };
  const insert = (expression: string, element: HTMLInputElement | HTMLTextAreaElement | null) => {
    const at = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? at;
    change(text.slice(0, at) + expression + text.slice(end));
  };
  const rendered = usePreview(value, structured, preview);
  const described = [schema.description && `${id}-help`, problem && `${id}-problem`, rendered && `${id}-preview`]
    .filter(Boolean)
    .join(" ");
  const common = {
    id,
    ref: setElement,
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
      {!secret && variables.length > 0 && (
        <select
          aria-label={`Insert a variable into ${name}`}
          className="insert"
          value=""
          onFocus={() => setOffering(true)}
          onPointerDown={() => setOffering(true)}
          onChange={(e) => insert(e.target.value, element)}
        >
          <option value="">Insert a variable…</option>
          {offering && variables.map((group) => (
            <optgroup key={group.id} label={`node.${group.id} ${group.name}`}>
              {group.expressions.map((expression) => (
                <option key={expression} value={expression}>
                  {expression}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      )}
      {rendered && (
        <p id={`${id}-preview`} className={"error" in rendered ? "error preview" : "preview"}>
          {"error" in rendered ? rendered.error : `Preview: ${JSON.stringify(rendered.value)}`}
        </p>
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

/** The server's rendering of a value that holds a template, asked again a moment after it changes. */
function usePreview(value: unknown, json: boolean, preview: Props["preview"]): Preview | null {
  const [shown, setShown] = useState<Preview | null>(null);
  const template = typeof value === "string" && /\{[{%]/.test(value);
  useEffect(() => {
    if (!template || !preview) return setShown(null);
    let live = true;
    const timer = setTimeout(() => {
      void preview(value, json).then((result) => live && setShown(result));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [value, json, template, preview]);
  return shown;
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

/** Sekoia's manifests list secret fields in `secrets`; schemas may also mark them one by one. */
export function secretFields(schema: JsonSchema): string[] {
  const marked = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.secret === true || property.format === "password")
    .map(([key]) => key);
  return [...new Set([...(schema.secrets ?? []), ...marked])];
}

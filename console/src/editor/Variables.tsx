// The Variables section: what a block outputs, from its manifest's `results` schema and, over a
// run, the values it really gave. Each field copies (or drags) as the expression that reads it.
import { type DragEvent, useState } from "react";
import type { JsonSchema } from "../api/types";
import { copyText } from "../clipboard";
import { expressionFor } from "./playbook";

/** Deep or wide result schemas stay readable: past these, the rest is left out and said so. */
const MAX_DEPTH = 4;
const MAX_FIELDS = 200;

type Field = { path: string[]; type: string; description?: string };

type Props = { nodeId: string; results: JsonSchema | undefined; data?: unknown };

export function Variables({ nodeId, results, data }: Props) {
  const [copied, setCopied] = useState<string | null>(null);
  const fields = fieldsOf(results, data);
  const copy = async (expression: string) => {
    await copyText(expression);
    setCopied(expression);
  };
  const onDragStart = (event: DragEvent, expression: string) => {
    event.dataTransfer.setData("text/plain", expression);
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <section className="panel-section" aria-labelledby="variables-title">
      <h3 id="variables-title">Variables</h3>
      {fields.length === 0 ? (
        <p className="muted">This block describes no output.</p>
      ) : (
        <ul className="variables">
          {fields.slice(0, MAX_FIELDS).map((field) => {
            const expression = expressionFor(nodeId, field.path);
            const value = valueAt(data, field.path);
            return (
              <li key={field.path.join("\u0000")} draggable onDragStart={(e) => onDragStart(e, expression)}>
                <code title={field.description}>{field.path.join(".")}</code>
                <span className="muted">{field.type}</span>
                {value !== undefined && <span className="value">{preview(value)}</span>}
                <button type="button" className="icon" aria-label={`Copy ${expression}`} onClick={() => copy(expression)}>
                  {copied === expression ? "Copied" : "Copy"}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {fields.length > MAX_FIELDS && <p className="muted">{fields.length - MAX_FIELDS} more fields are not listed.</p>}
    </section>
  );
}

/** Fields of the schema, then any the real data has that the schema does not name. */
export function fieldsOf(schema: JsonSchema | undefined, data: unknown): Field[] {
  const fields: Field[] = [];
  const seen = new Set<string>();
  const fromSchema = (s: JsonSchema | undefined, path: string[]) => {
    for (const [key, property] of Object.entries(s?.properties ?? {})) {
      const here = [...path, key];
      seen.add(here.join("\u0000"));
      fields.push({ path: here, type: typeOf(property), description: property.description });
      if (here.length < MAX_DEPTH) fromSchema(property, here);
    }
  };
  const fromData = (value: unknown, path: string[]) => {
    if (!value || typeof value !== "object" || Array.isArray(value) || path.length >= MAX_DEPTH) return;
    for (const [key, inner] of Object.entries(value)) {
      const here = [...path, key];
      if (!seen.has(here.join("\u0000"))) fields.push({ path: here, type: jsonType(inner) });
      fromData(inner, here);
    }
  };
  fromSchema(schema, []);
  fromData(data, []);
  return fields;
}

function typeOf(schema: JsonSchema): string {
  return Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function valueAt(data: unknown, path: string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (!value || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

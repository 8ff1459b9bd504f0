// A condition's cases, in the block panel: each a name (its branch), two sides and a
// comparison; added, removed and put in order, since the first case that holds is taken.
import { useEffect, useId, useState } from "react";
import type { JsonSchema, NodeJson } from "../api/types";
import type { OperatorProps } from "./Operators";
import { Choice, ItemButtons, type Moved } from "./OperatorFields";
import { COMPARISONS, addCase, caseNameProblem, moveCase, problemsAt, removeCase, renameCase, updateCase } from "./playbook";
import { SchemaForm } from "./SchemaForm";

const LEFT: JsonSchema = {
  properties: { left: { type: "string", description: "A value, or a template such as {{ node.1['severity'] }}." } },
};
const RIGHT: JsonSchema = {
  properties: {
    right: { type: "string", description: "A value, or a template. For range, both ends: [{{ 10 }}, {{ 100 }}]." },
  },
};

export function ConditionEditor({ id, node, problems, readOnly, variables, preview, onChange }: OperatorProps) {
  const cases = node.cases ?? [];
  // After a move, the moved case keeps the focus: its buttons are where it went.
  const [moved, setMoved] = useState<Moved | null>(null);
  const move = (index: number, towards: "up" | "down") => {
    const to = towards === "up" ? index - 1 : index + 1;
    onChange(moveCase(node, index, to));
    setMoved({ index: to, towards });
  };
  return (
    <section className="panel-section" aria-labelledby="cases-title">
      <h3 id="cases-title">Cases</h3>
      <p className="help">
        Checked in order: the run takes the branch of the first case that holds, <code>else</code> when none does.
      </p>
      <fieldset disabled={readOnly}>
        {cases.map((c, index) => {
          const fields = problemsAt(problems, id, `.cases[${index}].`);
          // A side cleared stays in the case, empty: Sekoia's cases always have both.
          const side = (change: { left: unknown } | { right: unknown }) => onChange(updateCase(node, index, change));
          return (
            <fieldset key={index} className="item">
              <legend>Case {index + 1}</legend>
              <CaseName node={node} index={index} problem={fields.name} onChange={onChange} />
              <SchemaForm
                schema={LEFT}
                values={{ left: c.left }}
                problems={fields}
                variables={variables}
                preview={preview}
                onChange={(_, left) => side({ left: left ?? "" })}
              />
              <Choice
                label="comparison"
                value={c.comparison ?? ""}
                choices={COMPARISONS}
                problem={fields.comparison}
                onChange={(comparison) => onChange(updateCase(node, index, { comparison }))}
              />
              <SchemaForm
                schema={RIGHT}
                values={{ right: c.right }}
                problems={fields}
                variables={variables}
                preview={preview}
                onChange={(_, right) => side({ right: right ?? "" })}
              />
              <Choice
                label="Compare as"
                value={c.value_type ?? ""}
                choices={["", "string", "integer"]}
                names={{ "": "the values as they are", string: "text (string)", integer: "whole numbers (integer)" }}
                problem={fields.value_type}
                onChange={(type) => onChange(updateCase(node, index, { value_type: type || undefined }))}
              />
              <ItemButtons
                what={`case ${index + 1}`}
                index={index}
                count={cases.length}
                moved={moved?.index === index ? moved : undefined}
                onMove={(towards) => move(index, towards)}
                onRemove={() => onChange(removeCase(node, index))}
              />
            </fieldset>
          );
        })}
        {cases.length === 0 && <p className="muted">No case: every run takes else.</p>}
        <button type="button" onClick={() => onChange(addCase(node))}>
          Add a case
        </button>
      </fieldset>
    </section>
  );
}

/**
 * A case's name is its branch: the name is stored (and its links follow it) only while no other
 * case has it; as typed meanwhile, it stays here with the reason.
 */
function CaseName({ node, index, problem, onChange }: { node: NodeJson; index: number; problem?: string; onChange: (node: NodeJson) => void }) {
  const stored = node.cases?.[index]?.name ?? "";
  const [text, setText] = useState(stored);
  useEffect(() => setText(stored), [stored]);
  const refused = text === stored ? null : caseNameProblem(node, index, text);
  const shown = refused ?? problem;
  const id = useId();
  return (
    <>
      <label htmlFor={id}>Case name</label>
      <input
        id={id}
        value={text}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${id}-problem` : `${id}-help`}
        onChange={(e) => {
          setText(e.target.value);
          onChange(renameCase(node, index, e.target.value));
        }}
        onBlur={() => setText(stored)}
      />
      {shown ? (
        <p id={`${id}-problem`} className="error">
          {shown}
        </p>
      ) : (
        <p id={`${id}-help`} className="help">
          Also the name of its branch on the graph.
        </p>
      )}
    </>
  );
}


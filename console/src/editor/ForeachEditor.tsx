// A foreach in the block panel: the list it goes through, and its loop body, the blocks that
// run once per item.
import type { JsonSchema } from "../api/types";
import type { OperatorProps } from "./Operators";
import { NumberField, withField } from "./OperatorFields";
import { addToLoop, loopBodyOf, problemsAt, upstreamOf } from "./playbook";
import { SchemaForm } from "./SchemaForm";

const ITEMS: JsonSchema = {
  properties: {
    items: { type: "array", description: "The list to go through: a template such as {{ node.1['items'] }}, or a JSON list." },
  },
  required: ["items"],
};

export function ForeachEditor({ id, node, playbook, problems, readOnly, variables, preview, onChange }: OperatorProps) {
  const entries = node.loop ?? [];
  const body = loopBodyOf(playbook, id);
  // Blocks before the foreach would make the loop run into itself.
  const before = new Set(upstreamOf(playbook, id));
  const candidates = Object.entries(playbook.nodes).filter(
    ([other, n]) => other !== id && n.type !== "trigger" && !entries.includes(other) && !before.has(other),
  );
  const fields = problemsAt(problems, id, ".");
  const name = (other: string) => `${playbook.nodes[other]?.name ?? "?"} (node.${other})`;
  return (
    <>
      <section className="panel-section" aria-labelledby="items-title">
        <h3 id="items-title">Items</h3>
        <fieldset disabled={readOnly}>
          <SchemaForm
            schema={ITEMS}
            values={{ items: node.items }}
            problems={fields}
            variables={variables}
            preview={preview}
            onChange={(_, items) => onChange(withField(node, "items", items))}
          />
          <NumberField
            label="Items at once"
            help="How many items run at the same time: 10 unless set, 1 for one after another."
            value={node.concurrency}
            problem={fields.concurrency}
            onChange={(concurrency) => onChange(withField(node, "concurrency", concurrency))}
          />
          <NumberField
            label="Most items"
            help="A longer list fails the block: 10,000 unless set, up to 100,000."
            value={node.max_items}
            problem={fields.max_items}
            onChange={(max) => onChange(withField(node, "max_items", max))}
          />
        </fieldset>
      </section>
      <section className="panel-section" aria-labelledby="loop-title">
        <h3 id="loop-title">Loop body</h3>
        <p className="help">
          Runs once per item, reading it as <code>{`{{ node.${id}.default.value }}`}</code>. It starts with the blocks listed here and
          holds every block they lead to; the default branch runs once the loop is done.
        </p>
        {entries.length === 0 ? (
          <p className="muted">The loop body is empty.</p>
        ) : (
          <ul aria-label="First blocks of the loop body">
            {entries.map((entry) => (
              <li key={entry}>
                {name(entry)}{" "}
                {!readOnly && (
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Remove ${name(entry)} from the loop`}
                    onClick={() => onChange({ ...node, loop: entries.filter((e) => e !== entry) })}
                  >
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {!readOnly && candidates.length > 0 && (
          <form
            className="row"
            aria-label="Add a block to the loop"
            onSubmit={(e) => {
              e.preventDefault();
              onChange(addToLoop(node, String(new FormData(e.currentTarget).get("target"))));
            }}
          >
            <select name="target" aria-label="Block to add to the loop">
              {candidates.map(([other]) => (
                <option key={other} value={other}>
                  {name(other)}
                </option>
              ))}
            </select>
            <button type="submit">Add to the loop</button>
          </form>
        )}
        {body.length > 0 && (
          <p>
            Inside the loop: {body.map(name).join(", ")}.
          </p>
        )}
      </section>
    </>
  );
}


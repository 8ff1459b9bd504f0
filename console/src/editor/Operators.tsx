// The right panel's editors for Sekoia's operators, in place of an action's Configuration: a
// condition's cases, a foreach's list and body, a store's keys, a join's wait. Each edit is one
// of `playbook.ts`'s functions from the node to the next.
import type { Diagnostic, JsonSchema, NodeJson, PlaybookJson } from "../api/types";
import { ConditionEditor } from "./ConditionEditor";
import { ForeachEditor } from "./ForeachEditor";
import { operatorOf } from "./playbook";
import type { Preview, VariableGroup } from "./SchemaForm";
import { StoreEditor } from "./StoreEditor";

export type OperatorProps = {
  id: string;
  node: NodeJson;
  playbook: PlaybookJson;
  problems: Diagnostic[];
  readOnly: boolean;
  variables: VariableGroup[];
  preview?: (value: unknown, json: boolean) => Promise<Preview>;
  onChange: (node: NodeJson) => void;
};

/** The editor of an operator block; null for any other block. */
export function OperatorEditor(props: OperatorProps) {
  switch (operatorOf(props.node)) {
    case "condition":
      return <ConditionEditor {...props} />;
    case "foreach":
      return <ForeachEditor {...props} />;
    case "store":
      return <StoreEditor {...props} />;
    case "any":
    case "all":
      return <JoinEditor {...props} />;
    default:
      return null;
  }
}

/** Paths under the node that these editors show beside their field. */
export const OPERATOR_FIELDS =
  /^\.(cases\[\d+\]\.(name|left|comparison|right|value_type)|modifications\[\d+\]\.(key|type|value)|items|concurrency|max_items)\b/;

/** What an operator outputs, as a manifest's `results` would say: for its Variables and the blocks after it. */
export function operatorResults(node: NodeJson): JsonSchema | undefined {
  switch (operatorOf(node)) {
    case "condition":
      return { properties: { branch: { type: "string", description: "The branch taken: a case's name, or else" } } };
    case "foreach":
      return {
        properties: {
          default: {
            type: "object",
            description: "Inside the loop body: the item being run",
            properties: {
              value: { description: "The item" },
              index: { type: "integer", description: "Its place in the list, from 0" },
              total: { type: "integer", description: "How many items the list has" },
            },
          },
          total: { type: "integer", description: "After the loop: how many items it ran" },
        },
      };
    default:
      return undefined;
  }
}

function JoinEditor({ node, readOnly, onChange }: OperatorProps) {
  const all = operatorOf(node) === "all";
  const choose = (subtype: "any" | "all") => onChange({ ...node, subtype });
  return (
    <section className="panel-section" aria-labelledby="join-title">
      <h3 id="join-title">Join</h3>
      <fieldset disabled={readOnly}>
        <div role="radiogroup" aria-labelledby="join-title">
          <label className="check">
            <input type="radio" name="join" checked={!all} onChange={() => choose("any")} />
            Go on when the first branch arrives (Any)
          </label>
          <label className="check">
            <input type="radio" name="join" checked={all} onChange={() => choose("all")} />
            Wait for every branch (All)
          </label>
        </div>
      </fieldset>
    </section>
  );
}


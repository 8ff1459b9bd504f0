// Fields the operators' editors share: a list item's buttons, a choice, a text and a number.
import { type RefObject, useEffect, useId, useRef } from "react";
import type { NodeJson } from "../api/types";

/** The item a move put at `index`, and which way it went: it keeps the focus there. */
export type Moved = { index: number; towards: "up" | "down" };

/**
 * Up, Down and Remove for one item of a list. The item a move put here (`moved`, a new value at
 * each move) keeps the focus on the button used, or on the other one at an end of the list.
 */
export function ItemButtons(props: {
  what: string;
  index: number;
  count: number;
  moved?: Moved;
  onMove: (towards: "up" | "down") => void;
  onRemove: () => void;
}) {
  const { what, index, count, moved } = props;
  const up = useRef<HTMLButtonElement>(null);
  const down = useRef<HTMLButtonElement>(null);
  // Only a move focuses: other changes (a case added) leave the focus where the user put it.
  useEffect(() => {
    if (!moved) return;
    const wanted: RefObject<HTMLButtonElement | null> =
      moved.towards === "up" ? (moved.index > 0 ? up : down) : moved.index < count - 1 ? down : up;
    wanted.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a move focuses; a change of count alone must not
  }, [moved]);
  return (
    <div className="row">
      <button type="button" className="icon" ref={up} disabled={index === 0} aria-label={`Move ${what} up`} onClick={() => props.onMove("up")}>
        Up
      </button>
      <button
        type="button"
        className="icon"
        ref={down}
        disabled={index === count - 1}
        aria-label={`Move ${what} down`}
        onClick={() => props.onMove("down")}
      >
        Down
      </button>
      <button type="button" className="icon" aria-label={`Remove ${what}`} onClick={props.onRemove}>
        Remove
      </button>
    </div>
  );
}

export function Choice<T extends string>(props: {
  label: string;
  value: string;
  choices: readonly T[];
  names?: Record<T, string>;
  problem?: string;
  onChange: (value: T) => void;
}) {
  const id = useId();
  const { value, choices, names, problem } = props;
  // A value this list does not offer (an import's) is shown, not replaced.
  const offered = choices.includes(value as T) ? choices : [value as T, ...choices];
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {offered.map((choice) => (
          <option key={choice} value={choice}>
            {names?.[choice] ?? choice}
          </option>
        ))}
      </select>
      {problem && (
        <p id={`${id}-problem`} className="error">
          {problem}
        </p>
      )}
    </>
  );
}

export function TextField({ label, value, problem, onChange }: { label: string; value: string; problem?: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {problem && (
        <p id={`${id}-problem`} className="error">
          {problem}
        </p>
      )}
    </>
  );
}

export function NumberField(props: { label: string; help: string; value?: number; problem?: string; onChange: (value: number | undefined) => void }) {
  const id = useId();
  const { problem } = props;
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        min={1}
        value={props.value ?? ""}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-help${problem ? ` ${id}-problem` : ""}`}
        onChange={(e) => props.onChange(e.target.value === "" ? undefined : Number(e.target.value))}
      />
      <p id={`${id}-help`} className="help">
        {props.help}
      </p>
      {problem && (
        <p id={`${id}-problem`} className="error">
          {problem}
        </p>
      )}
    </>
  );
}

/** The node with `key` set, or without it when `value` is undefined (a field cleared). */
export function withField(node: NodeJson, key: string, value: unknown): NodeJson {
  const next = { ...node, [key]: value };
  if (value === undefined) delete next[key];
  return next;
}

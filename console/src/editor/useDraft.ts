// The playbook being edited and every state it went through: undo and redo walk that list.
import { useCallback, useMemo, useState } from "react";
import type { PlaybookJson } from "../api/types";

/** Enough to undo a long session without keeping a playbook's whole life in memory. */
const MAX_HISTORY = 200;

type History = { states: PlaybookJson[]; index: number; saved: PlaybookJson };

export type Draft = {
  playbook: PlaybookJson;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  change: (next: PlaybookJson) => void;
  undo: () => void;
  redo: () => void;
  /** What the server holds now: the draft starts over from it. */
  reset: (saved: PlaybookJson) => void;
};

export function useDraft(initial: PlaybookJson): Draft {
  const [history, setHistory] = useState<History>({ states: [initial], index: 0, saved: initial });
  const change = useCallback((next: PlaybookJson) => {
    setHistory(({ states, index, saved }) => {
      if (states[index] === next) return { states, index, saved };
      const kept = [...states.slice(0, index + 1), next].slice(-MAX_HISTORY);
      return { states: kept, index: kept.length - 1, saved };
    });
  }, []);
  const undo = useCallback(() => setHistory((h) => ({ ...h, index: Math.max(0, h.index - 1) })), []);
  const redo = useCallback(() => setHistory((h) => ({ ...h, index: Math.min(h.states.length - 1, h.index + 1) })), []);
  const reset = useCallback((saved: PlaybookJson) => setHistory({ states: [saved], index: 0, saved }), []);
  const playbook = history.states[history.index];
  const dirty = useMemo(
    () => playbook !== history.saved && JSON.stringify(playbook) !== JSON.stringify(history.saved),
    [playbook, history.saved],
  );
  return {
    playbook,
    dirty,
    canUndo: history.index > 0,
    canRedo: history.index < history.states.length - 1,
    change,
    undo,
    redo,
    reset,
  };
}

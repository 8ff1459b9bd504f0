// The playbook being edited and every state it went through: undo and redo walk that list.
import { useCallback, useMemo, useState } from "react";
import type { PlaybookJson } from "../api/types";

/** Enough to undo a long session without keeping a playbook's whole life in memory. */
const MAX_HISTORY = 200;

export type History = { states: PlaybookJson[]; index: number; saved: PlaybookJson };

export function historyOf(saved: PlaybookJson): History {
  return { states: [saved], index: 0, saved };
}

/** One step more: what was undone before it is dropped, as editors do. */
export function pushed(history: History, next: PlaybookJson): History {
  const { states, index, saved } = history;
  if (states[index] === next) return history;
  const kept = [...states.slice(0, index + 1), next].slice(-MAX_HISTORY);
  return { states: kept, index: kept.length - 1, saved };
}

export function undone(history: History): History {
  return { ...history, index: Math.max(0, history.index - 1) };
}

export function redone(history: History): History {
  return { ...history, index: Math.min(history.states.length - 1, history.index + 1) };
}

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
  const [history, setHistory] = useState<History>(() => historyOf(initial));
  const change = useCallback((next: PlaybookJson) => setHistory((h) => pushed(h, next)), []);
  const undo = useCallback(() => setHistory(undone), []);
  const redo = useCallback(() => setHistory(redone), []);
  const reset = useCallback((saved: PlaybookJson) => setHistory(historyOf(saved)), []);
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

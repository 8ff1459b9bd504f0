// The draft kept in this browser while it is not saved, so that a closed tab or a crash loses
// no work: offered back when the playbook is opened again on the same version. The mocked and
// pinned outputs of test runs are kept beside it, by playbook, and never go into the playbook.
import { useCallback, useEffect, useState } from "react";
import type { PlaybookJson } from "../api/types";

type Kept = { base: number; at: number; playbook: PlaybookJson };

const PREFIX = "riposte:draft:";
const keyOf = (uuid: string) => `${PREFIX}${uuid}`;
// Apart from the draft: a saved playbook has no draft left, and its mocks stay.
const mocksKeyOf = (uuid: string) => `riposte:mocks:${uuid}`;

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem" | "key" | "length">;

/** What each mocked block answers in test runs of playbook `uuid`, as kept by this browser. */
export function keptMocks(storage: Store, uuid: string): Record<string, unknown> {
  try {
    const kept = JSON.parse(storage.getItem(mocksKeyOf(uuid)) ?? "null") as unknown;
    return kept && typeof kept === "object" && !Array.isArray(kept) ? (kept as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function keepMocks(storage: Store, uuid: string, mocks: Record<string, unknown>) {
  try {
    if (Object.keys(mocks).length === 0) storage.removeItem(mocksKeyOf(uuid));
    else storage.setItem(mocksKeyOf(uuid), JSON.stringify(mocks));
  } catch {
    // The browser's storage is full: the mocks hold for this page only.
  }
}

/**
 * Everything kept for playbooks, drafts and mocks: at logout, so that the next person on this
 * browser finds none of it.
 */
export function forgetAllKept(storage: Store) {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key?.startsWith(PREFIX) || key?.startsWith("riposte:mocks:")) keys.push(key);
  }
  for (const key of keys) storage.removeItem(key);
}

/** The mocks of blocks `playbook` has: those of deleted blocks wait, unused, for an undo. */
export function mocksIn(playbook: PlaybookJson, mocks: Record<string, unknown>): Record<string, unknown> {
  const present = Object.entries(mocks).filter(([id]) => playbook.nodes[id]?.type === "action");
  return present.length === Object.keys(mocks).length ? mocks : Object.fromEntries(present);
}

/** The mocks of playbook `uuid` (none without one), kept in this browser as they change. */
export function useKeptMocks(uuid: string | undefined) {
  const [mocks, setMocks] = useState<Record<string, unknown>>(() => (uuid ? keptMocks(localStorage, uuid) : {}));
  useEffect(() => {
    if (uuid) keepMocks(localStorage, uuid, mocks);
  }, [uuid, mocks]);
  const mock = useCallback(
    (id: string, value: unknown) =>
      setMocks((current) => {
        const next = { ...current };
        if (value === undefined) delete next[id];
        else next[id] = value;
        return next;
      }),
    [],
  );
  return { mocks, mock };
}

function read(uuid: string): Kept | null {
  try {
    const kept = JSON.parse(localStorage.getItem(keyOf(uuid)) ?? "null") as Kept | null;
    return kept && typeof kept.base === "number" && kept.playbook?.nodes ? kept : null;
  } catch {
    return null;
  }
}

/**
 * Keeps `playbook` while it is `dirty` (and forgets it once saved). Answers the draft kept by an
 * earlier visit of the same version, if one differs from what the server holds.
 */
export function useKeptDraft(uuid: string, version: number, playbook: PlaybookJson, dirty: boolean) {
  const [offered, setOffered] = useState<Kept | null>(() => {
    const kept = read(uuid);
    return kept && kept.base === version ? kept : null;
  });
  useEffect(() => {
    const timer = setTimeout(() => {
      try {
        if (dirty) localStorage.setItem(keyOf(uuid), JSON.stringify({ base: version, at: Date.now(), playbook }));
        else if (!offered) localStorage.removeItem(keyOf(uuid));
      } catch {
        // The browser's storage is full: the draft is still in the page, only not kept.
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [uuid, version, playbook, dirty, offered]);
  const forget = () => {
    setOffered(null);
    localStorage.removeItem(keyOf(uuid));
  };
  return { offered, forget, dismiss: () => setOffered(null) };
}

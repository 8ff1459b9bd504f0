// The draft kept in this browser while it is not saved, so that a closed tab or a crash loses
// no work: offered back when the playbook is opened again on the same version.
import { useEffect, useState } from "react";
import type { PlaybookJson } from "../api/types";

type Kept = { base: number; at: number; playbook: PlaybookJson };

const keyOf = (uuid: string) => `riposte:draft:${uuid}`;

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

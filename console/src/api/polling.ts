// Reading what changes on the server: asked again every second while the page shows it.
import { type DependencyList, useEffect, useState } from "react";

export const POLL_MS = 1000;

/** `read()` now and every second after; `until` stops asking once what it read is final. */
export function usePolled<T>(read: () => Promise<T | undefined>, deps: DependencyList, until?: (value: T) => boolean): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const next = await read().catch(() => undefined);
      if (!live) return;
      if (next !== undefined) setValue(next);
      if (next === undefined || !until?.(next)) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps say when to read anew; read and until are fresh closures each render
  }, deps);
  return value;
}

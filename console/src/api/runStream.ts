// A run as the server streams it (server-sent events): its view now, then each time it moves.
// The stream ends with the run; if it cannot be opened, the run is read every second instead.
import { useEffect, useState } from "react";
import { api } from "./client";
import { POLL_MS } from "./polling";
import type { components } from "./schema";

export type Run = components["schemas"]["RunView"];

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** The run `uuid`, kept current; `round` changing starts following it again (after a rerun). */
export function useRun(uuid: string, round: number): Run | undefined {
  const [run, setRun] = useState<Run | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const { data } = await api.GET("/api/v1/symphony/runs/{uuid}", { params: { path: { uuid } } });
      if (!live) return;
      if (data) setRun(data);
      if (!data || !FINISHED.has(data.status)) timer = setTimeout(poll, POLL_MS);
    };
    const source = new EventSource(`/api/v1/symphony/runs/${encodeURIComponent(uuid)}/events`);
    source.addEventListener("run", (event) => {
      const view = JSON.parse((event as MessageEvent<string>).data) as Run;
      setRun(view);
      if (FINISHED.has(view.status)) source.close();
    });
    source.onerror = () => {
      // Closed for good (refused, or the server went away): read the run instead. A dropped
      // connection is reopened by the browser itself.
      if (source.readyState === EventSource.CLOSED && live) void poll();
    };
    return () => {
      live = false;
      source.close();
      clearTimeout(timer);
    };
  }, [uuid, round]);
  return run;
}

// What a test run will really call: the actions it runs that neither a mock nor a pinned output
// answers. Those reach their tools as a run would, so the console names them before it starts.
import type { Catalogue } from "../api/modules";
import type { PlaybookJson } from "../api/types";
import { upstreamOf } from "./playbook";

export type RealCall = { id: string; name: string; tool: string; url?: string };

/**
 * The actions "Test this block" on `id` calls for real: `id` first, then the actions before it,
 * less those in `answered` (mocked, or pinned to a run's output).
 */
export function realCalls(
  playbook: PlaybookJson,
  id: string,
  answered: Record<string, unknown>,
  catalogue?: Pick<Catalogue, "blockOf">,
): RealCall[] {
  return [id, ...upstreamOf(playbook, id)].flatMap((node) => {
    const n = playbook.nodes[node];
    if (!n || n.type !== "action" || answered[node] !== undefined) return [];
    const block = catalogue?.blockOf(n);
    const tool = block ? `${block.module.name}: ${block.manifest.name}` : "an action this server does not know";
    const url = urlOf(n.arguments);
    return [{ id: node, name: n.name, tool, ...(url ? { url } : {}) }];
  });
}

/** The address an action's arguments name, if one does: what a reader recognises as the tool. */
function urlOf(args: Record<string, unknown> | undefined): string | undefined {
  if (!args) return undefined;
  const key = ["url", "base_url", "endpoint", "host"].find((k) => typeof args[k] === "string" && args[k] !== "");
  return key ? (args[key] as string) : undefined;
}

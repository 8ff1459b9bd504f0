// Playbooks as text: Sekoia's JSON, or the same in YAML. YAML's parser loads only when needed.
import type { PlaybookJson } from "./types";

/** The playbook in `text` (JSON or YAML, bare or as `{"playbook": {...}}`), or what is wrong and where. */
export async function readPlaybook(text: string): Promise<{ playbook: PlaybookJson } | { error: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (jsonError) {
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) return { error: jsonMessage(text, jsonError) };
    const YAML = await import("yaml");
    try {
      parsed = YAML.parse(text, { maxAliasCount: 100 });
    } catch (yamlError) {
      return { error: `Not YAML: ${yamlError instanceof Error ? yamlError.message : String(yamlError)}` };
    }
  }
  const wrapped = parsed as { playbook?: unknown } | null;
  const playbook = (wrapped && typeof wrapped === "object" && "playbook" in wrapped ? wrapped.playbook : parsed) as PlaybookJson;
  if (!playbook || typeof playbook !== "object" || Array.isArray(playbook)) return { error: "A playbook is an object with `name` and `nodes`." };
  if (!playbook.nodes || typeof playbook.nodes !== "object") return { error: "$.nodes: a playbook needs its nodes." };
  return { playbook };
}

/** The playbook as YAML, in the order its JSON has. */
export async function toYaml(playbook: PlaybookJson): Promise<string> {
  const YAML = await import("yaml");
  return YAML.stringify(playbook);
}

/** The parser's complaint with the line it points at, where the browser says the position. */
export function jsonMessage(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return `Not JSON: ${message}`;
  const line = text.slice(0, Number(position)).split("\n").length;
  return `Not JSON, line ${line}: ${message}`;
}

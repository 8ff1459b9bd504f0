// The API, typed from the server's own OpenAPI description (src/api/schema.d.ts is generated
// from crates/api/openapi.json): a server change that breaks the console fails its type check.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

/** Calls go with the session cookie; changes say they come from a page of this server. */
export const api = createClient<paths>({
  baseUrl: "",
  credentials: "same-origin",
  headers: { "X-Requested-With": "riposte-console" },
});

/** The first problem the server named, as one line. */
export function problem(error: unknown): string {
  const errors = (error as { errors?: { detail: string; path?: string }[] } | undefined)?.errors;
  const first = errors?.[0];
  if (!first) return "The server did not answer as expected.";
  return first.path ? `${first.path}: ${first.detail}` : first.detail;
}

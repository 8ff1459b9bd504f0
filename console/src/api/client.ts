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

/** Sent on `window` when the server no longer knows the session (expired, logged out, key revoked). */
export const LOGGED_OUT = "riposte:logged-out";

api.use({
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith("/api/v1/auth/login")) {
      window.dispatchEvent(new Event(LOGGED_OUT));
    }
  },
});

/** The first problem the server named, as one line. */
export function problem(error: unknown): string {
  const errors = (error as { errors?: { detail: string; path?: string }[] } | undefined)?.errors;
  const first = errors?.[0];
  if (!first) return "The server did not answer as expected.";
  return first.path ? `${first.path}: ${first.detail}` : first.detail;
}

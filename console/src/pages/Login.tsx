import { type FormEvent, useState } from "react";
import { api, problem } from "../api/client";

type Props = { onLoggedIn: (session: { permissions: string[]; expires_at: number }) => void };

/** An API key exchanged for a session cookie: the key is sent once and not kept here. */
export function Login({ onLoggedIn }: Props) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const { data, error } = await api.POST("/api/v1/auth/login", { body: { api_key: key } });
    setBusy(false);
    setKey("");
    if (data) onLoggedIn(data);
    else setError(problem(error));
  };

  return (
    <main className="login">
      <h1>Riposte</h1>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}

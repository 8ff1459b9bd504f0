import { useCallback, useEffect, useState } from "react";
import { api } from "./api/client";
import { Login } from "./pages/Login";
import { Playbooks } from "./pages/Playbooks";

type Session = { permissions: string[]; expires_at: number };

/** Who is logged in decides what shows: the login page, or the console. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    const { data } = await api.GET("/api/v1/auth/session");
    setSession(data ?? null);
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const logOut = async () => {
    await api.POST("/api/v1/auth/logout");
    setSession(null);
  };

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <Login onLoggedIn={setSession} />;
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href="/ui/">
          Riposte
        </a>
        <nav aria-label="Main">
          <a href="/ui/" aria-current="page">
            Playbooks
          </a>
        </nav>
        <button type="button" className="quiet" onClick={logOut}>
          Log out
        </button>
      </header>
      <main>
        <Playbooks canEdit={session.permissions.includes("SYMPHONY")} />
      </main>
    </div>
  );
}

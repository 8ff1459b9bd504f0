import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { Link, Redirect, Route, Router, Switch, useRoute } from "wouter";
import { LOGGED_OUT, api } from "./api/client";
import { forgetAllKept } from "./editor/keptDraft";
import { Login } from "./pages/Login";
import { Playbooks } from "./pages/Playbooks";
import { SkipLinks } from "./SkipLinks";
import { ThemeChoice } from "./Theme";

// The first page is the playbooks' list; every other page loads when it is opened, the editor
// and its graph library with a playbook or a run.
const PlaybookPage = lazy(() => import("./pages/playbook/PlaybookPage").then((m) => ({ default: m.PlaybookPage })));
const RunPage = lazy(() => import("./pages/RunPage").then((m) => ({ default: m.RunPage })));
const Alerts = lazy(() => import("./pages/Alerts").then((m) => ({ default: m.Alerts })));
const AlertPage = lazy(() => import("./pages/Alerts").then((m) => ({ default: m.AlertPage })));
const ApiKeys = lazy(() => import("./pages/ApiKeys").then((m) => ({ default: m.ApiKeys })));
const Configurations = lazy(() => import("./pages/Configurations").then((m) => ({ default: m.Configurations })));
const Intakes = lazy(() => import("./pages/Intakes").then((m) => ({ default: m.Intakes })));
const Modules = lazy(() => import("./pages/Modules").then((m) => ({ default: m.Modules })));
const Runs = lazy(() => import("./pages/Runs").then((m) => ({ default: m.Runs })));

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
  // A request refused for want of a session (a revoked key, an expired session) logs out.
  useEffect(() => {
    const loggedOut = () => setSession(null);
    window.addEventListener(LOGGED_OUT, loggedOut);
    return () => window.removeEventListener(LOGGED_OUT, loggedOut);
  }, []);

  // What this browser kept of unsaved drafts and test mocks goes with the session: the next
  // person to log in here does not find it.
  const logOut = async () => {
    await api.POST("/api/v1/auth/logout");
    forgetAllKept(localStorage);
    setSession(null);
  };

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <Login onLoggedIn={setSession} />;
  const canEdit = session.permissions.includes("SYMPHONY");
  return (
    <Router base="/ui">
      <SkipLinks>
        <div className="shell">
          <header className="top">
            <Link className="brand" href="/">
              Riposte
            </Link>
            <nav aria-label="Main">
              <NavLink href="/" match="/playbooks/*?">
                Playbooks
              </NavLink>
              <NavLink href="/runs" match="/runs/*?">
                Runs
              </NavLink>
              {session.permissions.includes("SIC_READ_ALERTS") && (
                <NavLink href="/alerts" match="/alerts/*?">
                  Alerts
                </NavLink>
              )}
              <NavLink href="/configurations" match="/configurations">
                Module configurations
              </NavLink>
              <NavLink href="/modules" match="/modules">
                Modules
              </NavLink>
              {session.permissions.includes("SIC_READ_INTAKES") && (
                <NavLink href="/intakes" match="/intakes">
                  Intakes
                </NavLink>
              )}
              {session.permissions.includes("API_KEYS") && (
                <NavLink href="/api-keys" match="/api-keys">
                  API keys
                </NavLink>
              )}
            </nav>
            <ThemeChoice />
            <button type="button" className="quiet" onClick={logOut}>
              Log out
            </button>
          </header>
          {/* Focused by "Skip to main content"; not in the Tab order itself. */}
          <main id="main" tabIndex={-1}>
            <Suspense fallback={<p>Loading…</p>}>
              <Switch>
                <Route path="/">
                  <Playbooks canEdit={canEdit} />
                </Route>
                <Route path="/playbooks/:uuid">{(p) => <Redirect to={`/playbooks/${p.uuid}/workflow`} replace />}</Route>
                <Route path="/playbooks/:uuid/:tab">{(p) => <PlaybookPage uuid={p.uuid} tab={p.tab} canEdit={canEdit} />}</Route>
                <Route path="/runs">
                  <Runs canEdit={canEdit} />
                </Route>
                <Route path="/alerts">
                  <Alerts canWrite={session.permissions.includes("SIC_WRITE_ALERTS")} />
                </Route>
                <Route path="/alerts/:uuid">
                  {(p) => <AlertPage uuid={p.uuid} canWrite={session.permissions.includes("SIC_WRITE_ALERTS")} />}
                </Route>
                <Route path="/configurations">
                  <Configurations canEdit={canEdit} />
                </Route>
                <Route path="/modules">
                  <Modules />
                </Route>
                <Route path="/intakes">
                  <Intakes canWrite={session.permissions.includes("SIC_WRITE_INTAKES")} />
                </Route>
                <Route path="/api-keys">
                  <ApiKeys held={session.permissions} />
                </Route>
                <Route path="/runs/:uuid">{(p) => <RunPage uuid={p.uuid} canEdit={canEdit} />}</Route>
                <Route>
                  <p>There is no page here. <Link href="/">Back to the playbooks</Link></p>
                </Route>
              </Switch>
            </Suspense>
          </main>
        </div>
      </SkipLinks>
    </Router>
  );
}

function NavLink({ href, match, children }: { href: string; match: string; children: string }) {
  const [home] = useRoute(href);
  const [inside] = useRoute(match);
  return (
    <Link href={href} aria-current={home || inside ? "page" : undefined}>
      {children}
    </Link>
  );
}

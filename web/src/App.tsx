import { type ReactNode, Suspense, lazy, useCallback, useEffect, useMemo, useState } from "react";
import type { SessionInfo, SessionProbe } from "../../protocol/session.ts";
import { api, errorText, setCsrfToken, setUnauthorizedHandler } from "./api.ts";
import { Alert, Button, Loading } from "./components/ui.tsx";
import { ApiKeysPage } from "./pages/ApiKeys.tsx";
import { LoginPage, SignupPage } from "./pages/Auth.tsx";
import { NotFoundPage } from "./pages/NotFound.tsx";
import { ServicesPage } from "./pages/Services.tsx";
import { type Flash, type PortalState, PortalProvider, usePortal } from "./portal-context.ts";
import { Link, match, navigate, usePath } from "./router.tsx";

type SessionState = { status: "loading" } | { status: "anonymous"; error?: string } | { status: "signed-in"; session: SessionInfo };

export function App() {
  const path = usePath();
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const [issuedTokens, setIssuedTokens] = useState<PortalState["issuedTokens"]>({});
  const [flash, setFlash] = useState<Flash | null>(null);
  const [firstApiKey, setFirstApiKey] = useState<string | null>(null);

  const signedIn = useCallback((session: SessionInfo, apiKey?: string) => {
    setCsrfToken(session.csrfToken);
    setState({ status: "signed-in", session });
    if (apiKey) setFirstApiKey(apiKey);
  }, []);

  useEffect(() => {
    api<SessionProbe>("GET", "/api/v1/session")
      .then((probe) => (probe.signedIn ? signedIn(probe) : setState({ status: "anonymous" })))
      .catch((error: unknown) => setState({ status: "anonymous", error: errorText(error) }));
  }, [signedIn]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setIssuedTokens({});
      setState({ status: "anonymous", error: "Your session has ended. Please log in again." });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const logOut = useCallback(async () => {
    try {
      await api("DELETE", "/api/v1/session");
    } finally {
      setCsrfToken(null);
      setIssuedTokens({});
      setFirstApiKey(null);
      setState({ status: "anonymous" });
      navigate("/login", { replace: true });
    }
  }, []);

  const portal = useMemo<PortalState | null>(
    () =>
      state.status === "signed-in"
        ? {
            account: state.session.account,
            logOut,
            issuedTokens,
            rememberToken: (serviceId, token) => setIssuedTokens((all) => ({ ...all, [serviceId]: { token, issuedAt: Date.now() } })),
            flash,
            setFlash,
            firstApiKey,
            clearFirstApiKey: () => setFirstApiKey(null),
          }
        : null,
    [state, logOut, issuedTokens, flash, firstApiKey],
  );

  // Focus the page heading after each navigation, so keyboard and screen-reader users land on the new page.
  useEffect(() => {
    const heading = document.getElementById("page-title");
    if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);

  const isAuthPage = path === "/login" || path === "/signup";
  useEffect(() => {
    if (state.status === "anonymous" && !isAuthPage) navigate(`/login`, { replace: true });
    if (state.status === "signed-in" && (isAuthPage || path === "/")) navigate("/services", { replace: true });
  }, [state.status, isAuthPage, path]);

  if (state.status === "loading") {
    return (
      <div className="boot">
        <Loading label="Loading PhoneMyBot…" />
      </div>
    );
  }
  if (state.status === "anonymous") {
    return (
      <AuthShell>
        {state.error && <Alert kind="info">{state.error}</Alert>}
        {path === "/signup" ? <SignupPage onSignedIn={signedIn} /> : <LoginPage onSignedIn={signedIn} />}
      </AuthShell>
    );
  }
  return (
    <PortalProvider value={portal}>
      <Shell>{route(path)}</Shell>
    </PortalProvider>
  );
}

/**
 * The service page, with LiveKit's client (Call from browser) and the chart library (Monitoring), is its own chunk:
 * the sign-in page and the services list do not load them (test/e2e/portal-bundle.test.ts).
 */
const ServicePage = lazy(() => import("./pages/Service.tsx").then((m) => ({ default: m.ServicePage })));

function route(path: string): ReactNode {
  if (path === "/services" || path === "/" || path === "/login" || path === "/signup") return <ServicesPage />;
  if (path === "/api-keys") return <ApiKeysPage />;
  const service = match("/services/:id", path) ?? match("/services/:id/:tab", path);
  if (service) {
    return (
      <Suspense fallback={<Loading label="Loading…" />}>
        <ServicePage key={service.id} id={service.id!} tab={service.tab ?? "settings"} />
      </Suspense>
    );
  }
  return <NotFoundPage />;
}

function Logo() {
  return (
    <span className="logo">
      <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="currentColor" />
        <path
          d="M11 8c1 0 2 2.5 2.5 3.8.3.8-.5 1.6-1.3 2.3 1 2 2.6 3.6 4.7 4.7.7-.8 1.5-1.6 2.3-1.3C20.5 18 23 19 23 20c0 1.6-1.8 3.5-3.5 3.2C13.8 22 10 18.2 8.8 12.5 8.5 10.8 9.4 8 11 8z"
          fill="white"
        />
      </svg>
      <span className="logo-text">
        Phone<strong>MyBot</strong>
      </span>
    </span>
  );
}

function AuthShell(props: { children: ReactNode }) {
  return (
    <div className="auth-shell">
      <div className="auth-brand">
        <Logo />
        <p>Give your text chatbot a phone number. Callers speak; your bot reads and answers in text.</p>
      </div>
      <main className="auth-card" id="main">
        {props.children}
      </main>
    </div>
  );
}

function Shell(props: { children: ReactNode }) {
  const portal = usePortal();
  const path = usePath();
  const [busy, setBusy] = useState(false);
  const current = (prefix: string) => (path === prefix || path.startsWith(`${prefix}/`) ? "page" : undefined);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href="/services" className="brand-link" aria-label="PhoneMyBot home">
            <Logo />
          </Link>
          <nav aria-label="Main" className="mainnav">
            <Link href="/services" aria-current={current("/services")}>
              Services
            </Link>
            <Link href="/api-keys" aria-current={current("/api-keys")}>
              API keys
            </Link>
          </nav>
          <div className="account">
            <span className="account-email" title={portal.account.email}>
              {portal.account.email}
            </span>
            <Button
              variant="ghost"
              small
              busy={busy}
              onClick={async () => {
                setBusy(true);
                await portal.logOut().finally(() => setBusy(false));
              }}
            >
              Log out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="content">
        {portal.flash && portal.flash.path === path && (
          <Alert kind={portal.flash.kind} onDismiss={() => portal.setFlash(null)}>
            {portal.flash.text}
          </Alert>
        )}
        {props.children}
      </main>
      <footer className="footer">
        <span>PhoneMyBot</span>
        <a href="/api/v1/openapi.json">API reference (OpenAPI)</a>
      </footer>
    </>
  );
}

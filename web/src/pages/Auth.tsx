import { type FormEvent, useState } from "react";
import { type AccountCreated } from "../../../protocol/management.ts";
import type { SessionInfo } from "../../../protocol/session.ts";
import { ApiProblem, api, errorText } from "../api.ts";
import { Alert, Button, Field } from "../components/ui.tsx";
import { Link } from "../router.tsx";

type SignedIn = (session: SessionInfo, apiKey?: string) => void;

export function LoginPage(props: { onSignedIn: SignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await api<SessionInfo>("POST", "/api/v1/session", { email, password }));
    } catch (e) {
      setError(
        e instanceof ApiProblem && e.status === 401
          ? "That email and password do not match an account. Check them and try again."
          : errorText(e),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Log in
      </h1>
      <p className="muted">Welcome back. Log in to manage your voice bots.</p>
      {error && <Alert>{error}</Alert>}
      <Field label="Email">
        {({ id, describedBy }) => (
          <input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} aria-describedby={describedBy} />
        )}
      </Field>
      <Field label="Password">
        {({ id, describedBy }) => (
          <input
            id={id}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={describedBy}
          />
        )}
      </Field>
      <Button type="submit" busy={busy} busyLabel="Logging in…" className="btn-block">
        Log in
      </Button>
      <p className="auth-switch">
        New to PhoneMyBot? <Link href="/signup">Create an account</Link>
      </p>
    </form>
  );
}

export function SignupPage(props: { onSignedIn: SignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: Record<string, string> = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = "Enter a valid email address.";
    if (password.length < 10) errors.password = "Use at least 10 characters.";
    if (confirm !== password) errors.confirm = "The two passwords are different.";
    setFieldErrors(errors);
    setError(null);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      const created = await api<AccountCreated>("POST", "/api/v1/accounts", { email: email.trim(), password });
      const session = await api<SessionInfo>("POST", "/api/v1/session", { email: created.email, password });
      props.onSignedIn(session, created.apiKey);
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 409) setError("An account with this email already exists. Log in instead.");
      else if (e instanceof ApiProblem && (e.fieldMessage("email") || e.fieldMessage("password"))) {
        setFieldErrors({
          ...(e.fieldMessage("email") ? { email: `Email: ${e.fieldMessage("email")}` } : {}),
          ...(e.fieldMessage("password") ? { password: `Password: ${e.fieldMessage("password")}` } : {}),
        });
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Create your account
      </h1>
      <p className="muted">Start in demo mode: talk to your service from the browser before connecting a bot.</p>
      {error && <Alert>{error}</Alert>}
      <Field label="Email" error={fieldErrors.email}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <Field label="Password" hint="At least 10 characters." error={fieldErrors.password}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <Field label="Confirm password" error={fieldErrors.confirm}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <Button type="submit" busy={busy} busyLabel="Creating your account…" className="btn-block">
        Create account
      </Button>
      <p className="auth-switch">
        Already have an account? <Link href="/login">Log in</Link>
      </p>
    </form>
  );
}

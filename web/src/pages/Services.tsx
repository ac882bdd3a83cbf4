import { type FormEvent, useEffect, useRef, useState } from "react";
import { LANGUAGES } from "../../../protocol/languages.ts";
import type { Service, ServiceWithToken } from "../../../protocol/management.ts";
import { ApiProblem, api, errorText } from "../api.ts";
import { Alert, Badge, Button, Card, Empty, Field, Loading, PageHeader, SecretBox } from "../components/ui.tsx";
import { formatInternational } from "../lib/phone.ts";
import { usePortal } from "../portal-context.ts";
import { Link, navigate } from "../router.tsx";

export const languageName = (tag: string) => LANGUAGES.find((l) => l.tag === tag)?.name ?? tag;

export function LanguageSelect(props: { id: string; value: string; onChange: (tag: string) => void; describedBy?: string | undefined }) {
  return (
    <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-describedby={props.describedBy}>
      {LANGUAGES.map((l) => (
        <option key={l.tag} value={l.tag}>
          {l.name} ({l.tag})
        </option>
      ))}
    </select>
  );
}

export function ServicesPage() {
  const portal = usePortal();
  const [services, setServices] = useState<Service[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = () => {
    setError(null);
    api<Service[]>("GET", "/api/v1/services")
      .then(setServices)
      .catch((e: unknown) => setError(errorText(e)));
  };
  useEffect(load, []);

  return (
    <>
      <PageHeader
        title="Services"
        subtitle="Each subscription answers calls for one bot, in one language, on the phone numbers you give it."
        actions={
          !creating && (
            <Button onClick={() => setCreating(true)} aria-expanded={creating}>
              + New Subscription
            </Button>
          )
        }
      />
      {portal.firstApiKey && (
        <Alert kind="success" onDismiss={portal.clearFirstApiKey}>
          <p>
            <strong>Welcome to PhoneMyBot!</strong> Here is your first API key, for the management API. Copy it now: it will
            not be shown again (you can issue more under <Link href="/api-keys">API keys</Link>).
          </p>
          <SecretBox label="Your API key" value={portal.firstApiKey} testId="first-api-key" />
        </Alert>
      )}
      {creating && (
        <NewSubscription
          onCancel={() => setCreating(false)}
          onCreated={(service) => {
            portal.rememberToken(service.id, service.token);
            portal.setFlash({ kind: "success", text: `“${service.name}” is subscribed. It starts in demo mode: try it in the Test chat.`, path: `/services/${service.id}` });
            navigate(`/services/${service.id}`);
          }}
        />
      )}
      {error && (
        <Alert>
          {error}{" "}
          <Button variant="secondary" small onClick={load}>
            Try again
          </Button>
        </Alert>
      )}
      {!services && !error && <Loading label="Loading your services…" />}
      {services && services.length === 0 && !creating && (
        <Empty
          title="No subscriptions yet"
          action={<Button onClick={() => setCreating(true)}>Create your first subscription</Button>}
        >
          <p>A subscription gives a bot a phone number. You can test it in the browser before connecting your bot.</p>
        </Empty>
      )}
      {services && services.length > 0 && (
        <ul className="service-list" aria-label="Your services">
          {services.map((s) => (
            <li key={s.id}>
              <Link href={`/services/${s.id}`} className="service-item">
                <div className="service-item-main">
                  <span className="service-name">{s.name}</span>
                  <span className="service-meta">
                    {languageName(s.language)} · {s.numbers.length === 0 ? "no phone number yet" : s.numbers.map(formatInternational).join(", ")}
                  </span>
                </div>
                {s.demo ? <Badge tone="amber">Demo mode</Badge> : <Badge tone="green">Bot connected</Badge>}
                <span className="chevron" aria-hidden="true">
                  ›
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function NewSubscription(props: { onCreated: (service: ServiceWithToken) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [language, setLanguage] = useState<string>(() => {
    const browser = navigator.language;
    return LANGUAGES.find((l) => l.tag.toLowerCase() === browser.toLowerCase())?.tag ?? "en-US";
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | undefined>();
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === "") {
      setNameError("Give the service a name, for example the bot's name.");
      nameRef.current?.focus();
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(null);
    try {
      props.onCreated(await api<ServiceWithToken>("POST", "/api/v1/services", { name: name.trim(), language }));
    } catch (e) {
      setError(e instanceof ApiProblem ? e.message : errorText(e));
      setBusy(false);
    }
  };

  return (
    <Card title="New Subscription" description="You can change the language at any time; phone numbers and your bot come next.">
      <form onSubmit={submit} noValidate className="form-grid">
        {error && <Alert>{error}</Alert>}
        <Field label="Service name" error={nameError}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              ref={nameRef}
              value={name}
              maxLength={100}
              placeholder="e.g. Pizza orders"
              onChange={(e) => setName(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <Field label="Language" hint="What callers speak and hear.">
          {({ id, describedBy }) => <LanguageSelect id={id} value={language} onChange={setLanguage} describedBy={describedBy} />}
        </Field>
        <div className="form-actions">
          <Button variant="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
          <Button type="submit" busy={busy} busyLabel="Subscribing…">
            Subscribe
          </Button>
        </div>
      </form>
    </Card>
  );
}

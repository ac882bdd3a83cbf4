import { type FormEvent, Suspense, lazy, useEffect, useState } from "react";
import type { Service, ServiceWithToken } from "../../../protocol/management.ts";
import { CALL_LIMITS, MAX_NUMBERS_PER_SERVICE } from "../../../protocol/management.ts";
import { ApiProblem, api, errorText } from "../api.ts";
import { Alert, Badge, Button, Card, ConfirmDialog, Empty, Field, Loading, PageHeader, SecretBox, formatDateTime } from "../components/ui.tsx";
import { checkNumber, countries, countryName, countryOfNumber, defaultCountry, formatInternational, isCountryCode } from "../lib/phone.ts";
import { usePortal } from "../portal-context.ts";
import { Link, navigate } from "../router.tsx";
import { CallsTab } from "./Calls.tsx";
import { LanguageSelect, languageName } from "./Services.tsx";
import { TestChatTab } from "./TestChat.tsx";
import { ConversationCard } from "./service/ConversationCard.tsx";
import { TransfersCard } from "./service/TransfersCard.tsx";
import { VoiceCard } from "./service/VoiceCard.tsx";
import { MessageFormatCard } from "./service/MessageFormatCard.tsx";
import { BotCard } from "./service/BotCard.tsx";
import type { Patch } from "./service/patch.ts";
import { OutboundCard } from "./service/OutboundCard.tsx";

// Each in a chunk of its own, loaded when its tab opens: LiveKit's client and the chart library are large.
const BrowserCallTab = lazy(() => import("./BrowserCall.tsx").then((m) => ({ default: m.BrowserCallTab })));
const MonitoringTab = lazy(() => import("./Monitoring.tsx").then((m) => ({ default: m.MonitoringTab })));

const TABS = [
  { id: "settings", label: "Settings" },
  { id: "test", label: "Test chat" },
  { id: "call", label: "Call from browser" },
  { id: "calls", label: "Calls" },
  { id: "monitoring", label: "Monitoring" },
] as const;

export type { Patch };

export function ServicePage(props: { id: string; tab: string }) {
  const portal = usePortal();
  const [service, setService] = useState<Service | null>(null);
  const [error, setError] = useState<{ status: number; text: string } | null>(null);

  const load = () => {
    setError(null);
    api<Service>("GET", `/api/v1/services/${encodeURIComponent(props.id)}`)
      .then(setService)
      .catch((e: unknown) => setError({ status: e instanceof ApiProblem ? e.status : 0, text: errorText(e) }));
  };
  useEffect(load, [props.id]);

  const updated = (next: ServiceWithToken) => {
    const { token, ...view } = next;
    setService(view);
    portal.rememberToken(next.id, token);
  };
  const patch: Patch = async (body) => {
    const next = await api<ServiceWithToken>("PATCH", `/api/v1/services/${encodeURIComponent(props.id)}`, body);
    updated(next);
    return next;
  };

  if (error?.status === 404) {
    return (
      <>
        <PageHeader title="Service not found" />
        <Empty title="There is no service here for your account.">
          <p>It may have been deleted, or it belongs to another account.</p>
          <p>
            <Link href="/services">Back to your services</Link>
          </p>
        </Empty>
      </>
    );
  }
  if (error) {
    return (
      <Alert>
        {error.text}{" "}
        <Button variant="secondary" small onClick={load}>
          Try again
        </Button>
      </Alert>
    );
  }
  if (!service) return <Loading label="Loading the service…" />;

  const tab = TABS.find((t) => t.id === props.tab) ? props.tab : "settings";
  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/services" className="back-link">
            ‹ Services
          </Link>
        }
        title={service.name}
        subtitle={
          <>
            {languageName(service.language)} ·{" "}
            {service.demo ? <Badge tone="amber">Demo mode</Badge> : <Badge tone="green">Bot connected</Badge>}
          </>
        }
      />
      <nav className="tabs" aria-label="Service sections">
        {TABS.map((t) => (
          <Link key={t.id} href={t.id === "settings" ? `/services/${service.id}` : `/services/${service.id}/${t.id}`} aria-current={tab === t.id ? "page" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === "settings" && <SettingsTab service={service} patch={patch} onUpdated={updated} onRefreshed={setService} />}
      {tab === "test" && <TestChatTab service={service} />}
      {tab === "call" && (
        <Suspense fallback={<Loading label="Loading…" />}>
          <BrowserCallTab service={service} />
        </Suspense>
      )}
      {tab === "calls" && <CallsTab service={service} />}
      {tab === "monitoring" && (
        <Suspense fallback={<Loading label="Loading…" />}>
          <MonitoringTab service={service} />
        </Suspense>
      )}
    </>
  );
}

function SettingsTab(props: { service: Service; patch: Patch; onUpdated: (s: ServiceWithToken) => void; onRefreshed: (s: Service) => void }) {
  return (
    <div className="stack">
      <TokenCard service={props.service} />
      <BotCard service={props.service} patch={props.patch} />
      <NumbersCard service={props.service} patch={props.patch} onRefreshed={props.onRefreshed} />
      <GeneralCard service={props.service} patch={props.patch} />
      <CallLimitsCard service={props.service} patch={props.patch} />
      <ConversationCard service={props.service} patch={props.patch} />
      <TransfersCard service={props.service} patch={props.patch} />
      <VoiceCard service={props.service} patch={props.patch} />
      <MessageFormatCard service={props.service} patch={props.patch} />
      <OutboundCard service={props.service} patch={props.patch} />
      <DangerCard service={props.service} onUpdated={props.onUpdated} />
    </div>
  );
}

function TokenCard(props: { service: Service }) {
  const issued = usePortal().issuedTokens[props.service.id];
  return (
    <Card
      title="PhoneMyBot token"
      description={
        <>
          Your bot sends its replies to <code>POST /cloudengine/rest/voicebot/send/{"{conversation}"}</code> with{" "}
          <code>Authorization: Basic &lt;this token&gt;</code>.
        </>
      }
    >
      <Alert kind="warning">
        <strong>This token changes at every reconfiguration</strong> (any saved change on this page, and Reset demo mode). The
        previous one stops working at once: update your bot each time.
      </Alert>
      {issued ? (
        <>
          <SecretBox label="Current PhoneMyBot token" value={issued.token} testId="phonemybot-token" />
          <p className="hint">Issued {formatDateTime(new Date(issued.issuedAt).toISOString())}. For your security it is shown only during this visit.</p>
        </>
      ) : (
        <p className="muted" data-testid="token-hidden">
          The token is shown only when it is issued. To get a new one, save your bot configuration below.
        </p>
      )}
    </Card>
  );
}

function NumbersCard(props: { service: Service; patch: Patch; onRefreshed: (s: Service) => void }) {
  const { service } = props;
  const [country, setCountry] = useState(() => {
    const last = service.numbers.at(-1);
    const fromLast = last ? countryOfNumber(last) : undefined;
    return fromLast && isCountryCode(fromLast) ? fromLast : defaultCountry();
  });
  const [national, setNational] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const check = checkNumber(country, national);
  const duplicate = check.ok && service.numbers.includes(check.e164);
  const full = service.numbers.length >= MAX_NUMBERS_PER_SERVICE;
  const inputError = touched && !check.ok ? check.message : duplicate ? "This service already has this number." : undefined;

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!check.ok || duplicate || full) return;
    setBusy("add");
    setError(null);
    setNotice(null);
    try {
      await props.patch({ numbers: [...service.numbers, check.e164] });
      setNational("");
      setTouched(false);
      setNotice(`${check.international} added. A new PhoneMyBot token was issued.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const remove = async (number: string) => {
    setBusy(number);
    setError(null);
    setNotice(null);
    try {
      await props.patch({ numbers: service.numbers.filter((n) => n !== number) });
      setNotice(`${formatInternational(number)} removed. A new PhoneMyBot token was issued.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const retryProvisioning = async () => {
    setBusy("provision");
    setError(null);
    setNotice(null);
    try {
      props.onRefreshed(await api<Service>("POST", `/api/v1/services/${encodeURIComponent(service.id)}/provision`));
      setNotice("The numbers are set up on LiveKit.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title="Phone numbers" description={`Calls to these numbers reach this service (up to ${MAX_NUMBERS_PER_SERVICE}).`}>
      {service.provisioning?.state === "failed" && (
        <Alert kind="warning">
          Setting up these numbers for phone calls failed: {service.provisioning.error ?? "no reason given"}. Calls to them
          may not reach this service yet.{" "}
          <Button onClick={() => void retryProvisioning()} disabled={busy !== null}>
            {busy === "provision" ? "Retrying…" : "Retry"}
          </Button>
        </Alert>
      )}
      {error && <Alert>{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {service.numbers.length === 0 ? (
        <p className="muted">No phone number yet. Add one below; until then you can test the service in the Test chat.</p>
      ) : (
        <ul className="numbers" aria-label="Phone numbers of this service">
          {service.numbers.map((n) => {
            const c = countryOfNumber(n);
            return (
              <li key={n}>
                <span className="number mono" data-testid="phone-number">
                  {formatInternational(n)}
                </span>
                <span className="muted">{c ? countryName(c) : ""}</span>
                <Button variant="ghost" small busy={busy === n} onClick={() => remove(n)} aria-label={`Remove ${formatInternational(n)}`}>
                  Remove
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      <form onSubmit={add} noValidate className="number-form">
        <Field label="Country">
          {({ id }) => (
            <select id={id} value={country} onChange={(e) => isCountryCode(e.target.value) && setCountry(e.target.value)}>
              {countries().map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name} (+{c.callingCode})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Phone number"
          error={inputError}
          hint={check.ok && !duplicate ? `Will be added as ${check.international}` : "The national number, as you would dial it in that country."}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="tel"
              inputMode="tel"
              autoComplete="off"
              value={national}
              onChange={(e) => setNational(e.target.value)}
              onBlur={() => national !== "" && setTouched(true)}
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <Button type="submit" busy={busy === "add"} busyLabel="Adding…" disabled={full} className="number-add">
          Add number
        </Button>
      </form>
    </Card>
  );
}

function GeneralCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [name, setName] = useState(service.name);
  const [language, setLanguage] = useState(service.language);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const changed: Record<string, string> = {};
  if (name.trim() !== service.name) changed.name = name.trim();
  if (language !== service.language) changed.language = language;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (Object.keys(changed).length === 0) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await props.patch(changed);
      setSaved(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Name and language" description="The language is what callers speak and hear; change it at any time.">
      <form onSubmit={submit} noValidate className="form-grid two-columns">
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        <Field label="Service name">
          {({ id }) => <input id={id} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Language">{({ id }) => <LanguageSelect id={id} value={language} onChange={setLanguage} />}</Field>
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…" disabled={Object.keys(changed).length === 0 || name.trim() === ""}>
            Save changes
          </Button>
        </div>
      </form>
    </Card>
  );
}

type CallLimit = keyof typeof CALL_LIMITS;

function CallLimitsCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [values, setValues] = useState<Record<CallLimit, string>>({
    maxCallMinutes: String(service.maxCallMinutes),
    idleTimeoutMinutes: String(service.idleTimeoutMinutes),
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<CallLimit, string>>>({});
  const [saved, setSaved] = useState(false);
  const limits = Object.keys(CALL_LIMITS) as CallLimit[];
  const changed = limits.filter((limit) => values[limit].trim() !== String(service[limit]));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: Partial<Record<CallLimit, string>> = {};
    for (const limit of changed) {
      const { min, max } = CALL_LIMITS[limit];
      const n = Number(values[limit].trim());
      if (!Number.isInteger(n) || n < min || n > max) errors[limit] = `Enter a whole number of minutes from ${min} to ${max}.`;
    }
    setFieldErrors(errors);
    setSaved(false);
    if (Object.keys(errors).length > 0 || changed.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await props.patch(Object.fromEntries(changed.map((limit) => [limit, Number(values[limit].trim())])));
      setSaved(true);
    } catch (e) {
      if (e instanceof ApiProblem && limits.some((limit) => e.fieldMessage(limit))) {
        setFieldErrors({ maxCallMinutes: e.fieldMessage("maxCallMinutes"), idleTimeoutMinutes: e.fieldMessage("idleTimeoutMinutes") });
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const field = (limit: CallLimit, label: string, hint: string) => (
    <Field label={label} hint={hint} error={fieldErrors[limit]}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={CALL_LIMITS[limit].min}
          max={CALL_LIMITS[limit].max}
          step={1}
          value={values[limit]}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onChange={(e) => setValues({ ...values, [limit]: e.target.value })}
        />
      )}
    </Field>
  );

  return (
    <Card title="Call limits" description="No call lives forever: when a limit is reached, the call ends and your bot receives last: true.">
      <form onSubmit={submit} noValidate className="form-grid two-columns">
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        {field(
          "maxCallMinutes",
          "Maximum call duration (minutes)",
          `Any call ends after this long (${CALL_LIMITS.maxCallMinutes.min}–${CALL_LIMITS.maxCallMinutes.max}, default ${CALL_LIMITS.maxCallMinutes.default}).`,
        )}
        {field(
          "idleTimeoutMinutes",
          "Idle timeout (minutes)",
          `A simulated call ends after this long without a message either way (${CALL_LIMITS.idleTimeoutMinutes.min}–${CALL_LIMITS.idleTimeoutMinutes.max}, default ${CALL_LIMITS.idleTimeoutMinutes.default}).`,
        )}
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…" disabled={changed.length === 0}>
            Save limits
          </Button>
        </div>
      </form>
    </Card>
  );
}

function DangerCard(props: { service: Service; onUpdated: (s: ServiceWithToken) => void }) {
  const portal = usePortal();
  const { service } = props;
  const [dialog, setDialog] = useState<"reset" | "delete" | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmName, setConfirmName] = useState("");
  const [notice, setNotice] = useState<string | null>(null);

  const close = () => {
    setDialog(null);
    setError(null);
    setConfirmName("");
  };

  const reset = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onUpdated(await api<ServiceWithToken>("POST", `/api/v1/services/${service.id}/reset-demo`));
      close();
      setNotice("The service is back in demo mode: calls go to the Test chat. A new PhoneMyBot token was issued.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api("DELETE", `/api/v1/services/${service.id}`);
      portal.setFlash({ kind: "success", text: `“${service.name}” was deleted and its phone numbers released.`, path: "/services" });
      navigate("/services");
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <Card title="Demo mode and deletion" className="card-danger">
      {notice && <Alert kind="success">{notice}</Alert>}
      <div className="danger-row">
        <div>
          <h3>Reset demo mode</h3>
          <p className="muted">Forget the bot URL and security token; calls go to the Test chat again.</p>
        </div>
        <Button variant="secondary" onClick={() => setDialog("reset")}>
          Reset demo mode
        </Button>
      </div>
      <div className="danger-row">
        <div>
          <h3>Delete this service</h3>
          <p className="muted">Its numbers stop answering and are released. This cannot be undone.</p>
        </div>
        <Button variant="danger" onClick={() => setDialog("delete")}>
          Delete service
        </Button>
      </div>
      <ConfirmDialog
        open={dialog === "reset"}
        title="Reset demo mode?"
        confirmLabel="Reset demo mode"
        busy={busy}
        error={error}
        onConfirm={reset}
        onCancel={close}
      >
        <p>
          PhoneMyBot will forget the bot URL and security token of <strong>{service.name}</strong>, and calls will go to the Test
          chat. A new PhoneMyBot token is issued; the current one stops working.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "delete"}
        title="Delete this service?"
        confirmLabel="Delete for good"
        danger
        busy={busy}
        error={error}
        confirmDisabled={confirmName.trim() !== service.name}
        onConfirm={remove}
        onCancel={close}
      >
        <p>
          Calls to its numbers will no longer be answered, and the numbers are released. Type <strong>{service.name}</strong> to
          confirm.
        </p>
        <Field label="Service name">
          {({ id }) => <input id={id} value={confirmName} onChange={(e) => setConfirmName(e.target.value)} autoComplete="off" />}
        </Field>
      </ConfirmDialog>
    </Card>
  );
}

import { type FormEvent, useState } from "react";
import type { Service } from "../../../../protocol/management.ts";
import { BOT_TYPES, type BotType } from "../../../../protocol/settings/bot-platform.ts";
import { ApiProblem, errorText } from "../../api.ts";
import { Alert, Button, Card, Field } from "../../components/ui.tsx";
import { BOT_TYPE_INFO } from "../../lib/bot-types.ts";
import type { Patch } from "./patch.ts";

type FieldErrors = Partial<Record<"botType" | "botUrl" | "botToken" | "directLineSecret" | "dialogflowServiceAccountKey", string | undefined>>;

/** Where the service's bot is: a messaging-API bot's URL and token, or a bot platform's address and credentials (write-only). */
export function BotCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [editing, setEditing] = useState(false);
  const [botType, setBotType] = useState<BotType>(service.botType);
  const [botUrl, setBotUrl] = useState(service.botUrl ?? "");
  const [botToken, setBotToken] = useState("");
  const [directLineSecret, setDirectLineSecret] = useState("");
  const [serviceAccountKey, setServiceAccountKey] = useState("");
  const [showSecret, setShowSecret] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const info = BOT_TYPE_INFO[botType];

  const open = () => {
    setBotType(service.botType);
    setBotUrl(service.botUrl ?? "");
    setBotToken("");
    setDirectLineSecret("");
    setServiceAccountKey("");
    setError(null);
    setFieldErrors({});
    setSaved(false);
    setEditing(true);
  };

  const chooseType = (next: BotType) => {
    setBotType(next);
    const suggested = BOT_TYPE_INFO[next].defaultUrl;
    if (suggested && botUrl.trim() === "") setBotUrl(suggested);
    setFieldErrors({});
  };

  const validate = (): FieldErrors => {
    const errors: FieldErrors = {};
    let url: URL | undefined;
    try {
      url = new URL(botUrl.trim());
    } catch {
      errors.botUrl = "Enter the full address of your bot, starting with https://";
    }
    if (url && url.protocol !== "https:" && url.protocol !== "http:") errors.botUrl = "The address must start with https:// (or http://).";
    if (botType === "messaging-api") {
      if (botToken !== "" && !/^[\x21-\x7e]+$/.test(botToken)) errors.botToken = "Use printable characters only, without spaces.";
      if (botToken === "" && !service.botTokenSet) errors.botToken = "Enter the secret PhoneMyBot should send to your bot.";
    }
    if (botType === "directline") {
      if (directLineSecret !== "" && !/^[\x21-\x7e]+$/.test(directLineSecret)) errors.directLineSecret = "Use printable characters only, without spaces.";
      if (directLineSecret === "" && !service.directLineSecretSet) errors.directLineSecret = "Enter a secret of your bot's Direct Line channel.";
    }
    if (botType === "dialogflow-cx") {
      if (serviceAccountKey === "" && !service.dialogflowServiceAccountKeySet) {
        errors.dialogflowServiceAccountKey = "Paste the JSON key file of a service account that may use Dialogflow.";
      } else if (serviceAccountKey !== "") {
        try {
          JSON.parse(serviceAccountKey);
        } catch {
          errors.dialogflowServiceAccountKey = "Paste the whole key file: it is JSON, starting with {.";
        }
      }
    }
    return errors;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors = validate();
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await props.patch({
        botType,
        botUrl: botUrl.trim(),
        ...(botType === "messaging-api" && botToken !== "" ? { botToken } : {}),
        ...(botType === "directline" && directLineSecret !== "" ? { directLineSecret } : {}),
        ...(botType === "dialogflow-cx" && serviceAccountKey !== "" ? { dialogflowServiceAccountKey: serviceAccountKey } : {}),
      });
      setEditing(false);
      setSaved(true);
    } catch (e) {
      const fields = ["botType", "botUrl", "botToken", "directLineSecret", "dialogflowServiceAccountKey"] as const;
      if (e instanceof ApiProblem && fields.some((f) => e.fieldMessage(f))) {
        setFieldErrors(Object.fromEntries(fields.map((f) => [f, e.fieldMessage(f)])));
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const secretInput =
    (value: string, set: (v: string) => void) =>
    ({ id, describedBy, invalid }: { id: string; describedBy: string | undefined; invalid: boolean }) => (
        <div className="input-with-button">
          <input
            id={id}
            type={showSecret ? "text" : "password"}
            autoComplete="off"
            className="mono"
            value={value}
            onChange={(e) => set(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
          <Button variant="ghost" small onClick={() => setShowSecret((v) => !v)} aria-pressed={showSecret}>
            {showSecret ? "Hide" : "Show"}
          </Button>
        </div>
    );

  return (
    <Card
      title="Bot configuration"
      description="Where PhoneMyBot sends what callers say: your own bot on our messaging API, or a bot platform we talk to for you."
      actions={
        !editing && (
          <Button variant="secondary" onClick={open}>
            Edit bot configuration
          </Button>
        )
      }
    >
      {saved && <Alert kind="success">Bot configuration saved. A new PhoneMyBot token was issued (above).</Alert>}
      {!editing && (
        <dl className="facts">
          <div>
            <dt>Bot type</dt>
            <dd data-testid="bot-type">{BOT_TYPE_INFO[service.botType].name}</dd>
          </div>
          <div>
            <dt>{BOT_TYPE_INFO[service.botType].urlLabel}</dt>
            <dd data-testid="bot-url">{service.botUrl ? <code className="break">{service.botUrl}</code> : <span className="muted">None: the service is in demo mode and calls go to the Test chat.</span>}</dd>
          </div>
          {service.botType === "messaging-api" && (
            <div>
              <dt>Bot security token</dt>
              <dd>{service.botTokenSet ? "Set (hidden)" : <span className="muted">Not set</span>}</dd>
            </div>
          )}
          {service.botType === "directline" && (
            <div>
              <dt>Direct Line secret</dt>
              <dd data-testid="directline-secret">{service.directLineSecretSet ? "Set (hidden)" : <span className="muted">Not set</span>}</dd>
            </div>
          )}
          {service.botType === "dialogflow-cx" && (
            <div>
              <dt>Service-account key</dt>
              <dd data-testid="dialogflow-key">{service.dialogflowServiceAccountKeySet ? "Set (hidden)" : <span className="muted">Not set</span>}</dd>
            </div>
          )}
        </dl>
      )}
      {editing && (
        <form onSubmit={submit} noValidate className="form-grid">
          {error && <Alert>{error}</Alert>}
          <Field label="Bot type" error={fieldErrors.botType} hint="A bot platform needs no code on your side: PhoneMyBot talks to it and speaks its replies.">
            {({ id, describedBy, invalid }) => (
              <select id={id} value={botType} onChange={(e) => chooseType(e.target.value as BotType)} aria-describedby={describedBy} aria-invalid={invalid}>
                {BOT_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {BOT_TYPE_INFO[type].name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={info.urlLabel} error={fieldErrors.botUrl} hint={info.urlHint}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="url"
                inputMode="url"
                autoComplete="off"
                placeholder={info.urlPlaceholder}
                value={botUrl}
                onChange={(e) => setBotUrl(e.target.value)}
                aria-describedby={describedBy}
                aria-invalid={invalid}
              />
            )}
          </Field>
          {botType === "messaging-api" && (
            <Field
              label="Bot security token"
              error={fieldErrors.botToken}
              hint={service.botTokenSet ? "Leave empty to keep the current one. Sent as Authorization: Basic <token>." : "Sent to your bot as Authorization: Basic <token>."}
            >
              {secretInput(botToken, setBotToken)}
            </Field>
          )}
          {botType === "directline" && (
            <Field
              label="Direct Line secret"
              error={fieldErrors.directLineSecret}
              hint={
                service.directLineSecretSet
                  ? "Leave empty to keep the current one. Never shown again once saved."
                  : "From your Azure Bot's Direct Line channel. Never shown again once saved."
              }
            >
              {secretInput(directLineSecret, setDirectLineSecret)}
            </Field>
          )}
          {botType === "dialogflow-cx" && (
            <Field
              label="Service-account key (JSON)"
              error={fieldErrors.dialogflowServiceAccountKey}
              hint={
                service.dialogflowServiceAccountKeySet
                  ? "Leave empty to keep the current key. Never shown again once saved."
                  : "The key file of a service account with the Dialogflow API Client role. Never shown again once saved; the conversation uses the service's language."
              }
            >
              {({ id, describedBy, invalid }) => (
                <textarea
                  id={id}
                  rows={4}
                  className="mono"
                  autoComplete="off"
                  spellCheck={false}
                  value={serviceAccountKey}
                  onChange={(e) => setServiceAccountKey(e.target.value)}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                />
              )}
            </Field>
          )}
          <Alert kind="warning">Saving issues a new PhoneMyBot token; the current one stops working at once.</Alert>
          <div className="form-actions">
            <Button variant="secondary" onClick={() => setEditing(false)}>
              Cancel
            </Button>
            <Button type="submit" busy={busy} busyLabel="Saving…">
              Save bot configuration
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}

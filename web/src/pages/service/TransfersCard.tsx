import { type FormEvent, useState } from "react";
import type { Service, ServicePatch, ServiceWithToken } from "../../../../protocol/management.ts";
import { SIMULATED_BUSY_SUFFIX } from "../../../../protocol/transfer.ts";
import type { TransferRule } from "../../../../protocol/settings/transfer.ts";
import { ApiProblem, errorText } from "../../api.ts";
import { Alert, Button, Card, Field } from "../../components/ui.tsx";

/** The service page's save (Service.tsx `Patch`), declared here so the card does not import its page. */
type Patch = (patch: Partial<Record<keyof ServicePatch, unknown>>) => Promise<ServiceWithToken>;

interface RuleDraft {
  pattern: string;
  to: string;
  waitSeconds: string;
}

const draftOf = (rule: TransferRule): RuleDraft => ({ pattern: rule.pattern, to: rule.to, waitSeconds: String(rule.waitSeconds) });
const linesOf = (text: string) => text.split(/[\n,]+/).map((line) => line.trim()).filter(Boolean);

/** Where `field` (e.g. `transferRules.0.pattern`) was named by a 400, as `{field: message}`. */
function fieldMessages(error: ApiProblem): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const d of error.details) {
    if (d && typeof d === "object" && "field" in d && "message" in d) messages[String(d.field)] = String(d.message);
  }
  return messages;
}

/**
 * The service's transfers (docs/api.md, "Call control"): the destinations a transfer may reach (the toll-fraud guard),
 * the rules that transfer on the bot's words, and the sentence the caller hears when a transfer fails.
 */
export function TransfersCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [destinations, setDestinations] = useState(service.transferDestinations.join("\n"));
  const [rules, setRules] = useState<RuleDraft[]>(service.transferRules.map(draftOf));
  const [failedMessage, setFailedMessage] = useState(service.transferFailedMessage);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const setRule = (index: number, change: Partial<RuleDraft>) => setRules(rules.map((r, i) => (i === index ? { ...r, ...change } : r)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: Record<string, string> = {};
    rules.forEach((rule, i) => {
      const wait = Number(rule.waitSeconds.trim() || "0");
      if (!Number.isFinite(wait) || wait < 0 || wait > 60) errors[`transferRules.${i}.waitSeconds`] = "Enter a number of seconds from 0 to 60.";
    });
    setFieldErrors(errors);
    setSaved(false);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await props.patch({
        transferDestinations: linesOf(destinations),
        transferRules: rules.map((r) => ({ pattern: r.pattern, to: r.to.trim(), waitSeconds: Number(r.waitSeconds.trim() || "0") })),
        transferFailedMessage: failedMessage.trim(),
      });
      setSaved(true);
    } catch (e) {
      const named = e instanceof ApiProblem ? fieldMessages(e) : {};
      if (Object.keys(named).some((field) => field.startsWith("transfer"))) setFieldErrors(named);
      else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const destinationErrors = Object.entries(fieldErrors)
    .filter(([field]) => field.startsWith("transferDestinations"))
    .map(([field, message]) => {
      const index = Number(field.split(".")[1]);
      const entry = linesOf(destinations)[index];
      return entry === undefined ? message : `${entry}: ${message}`;
    });

  return (
    <Card
      title="Transfers"
      description={
        <>
          Your bot can hand the caller to a person: with <code>hints</code>, with <code>&lt;transfer referto="…"/&gt;</code> in its
          text, or with a rule below. Simulated calls and the local voice agent simulate transfers; numbers ending in{" "}
          <code>{SIMULATED_BUSY_SUFFIX}</code> answer busy, to test the failure path.
        </>
      }
    >
      <form onSubmit={submit} noValidate className="form-grid" data-testid="transfers-card">
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        <Field
          label="Allowed destinations"
          hint="One per line: full numbers or prefixes in international format (+1415, +442071838750), or exact sip: addresses. Empty refuses every transfer."
          error={destinationErrors.join(" ") || undefined}
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={3}
              value={destinations}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => setDestinations(e.target.value)}
              placeholder="+1415"
            />
          )}
        </Field>
        <fieldset className="transfer-rules">
          <legend>Transfer rules</legend>
          <p className="hint">When the bot's text matches a pattern (a regular expression, any case), the caller is transferred after the wait.</p>
          {rules.length === 0 && <p className="muted">No rules.</p>}
          {rules.map((rule, i) => (
            <div className="form-grid three-columns" key={i} data-testid="transfer-rule">
              <Field label="Pattern" error={fieldErrors[`transferRules.${i}.pattern`]}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} value={rule.pattern} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setRule(i, { pattern: e.target.value })} />
                )}
              </Field>
              <Field label="Transfer to" error={fieldErrors[`transferRules.${i}.to`]}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} value={rule.to} aria-describedby={describedBy} aria-invalid={invalid} placeholder="+14155550100" onChange={(e) => setRule(i, { to: e.target.value })} />
                )}
              </Field>
              <Field label="Wait (seconds)" error={fieldErrors[`transferRules.${i}.waitSeconds`]}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    type="number"
                    min={0}
                    max={60}
                    value={rule.waitSeconds}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(e) => setRule(i, { waitSeconds: e.target.value })}
                  />
                )}
              </Field>
              <div className="form-actions">
                <Button variant="ghost" small onClick={() => setRules(rules.filter((_, j) => j !== i))}>
                  Remove rule {i + 1}
                </Button>
              </div>
            </div>
          ))}
          <Button variant="secondary" small onClick={() => setRules([...rules, { pattern: "", to: "", waitSeconds: "0" }])}>
            Add a rule
          </Button>
        </fieldset>
        <Field label="Failure sentence" hint="Said to the caller when a transfer fails (busy, no answer, refused); the call goes on. Empty: nothing is said." error={fieldErrors.transferFailedMessage}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={failedMessage} maxLength={500} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setFailedMessage(e.target.value)} />
          )}
        </Field>
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…">
            Save transfers
          </Button>
        </div>
      </form>
    </Card>
  );
}

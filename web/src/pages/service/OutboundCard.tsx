import { type FormEvent, useState } from "react";
import type { Service } from "../../../../protocol/management.ts";
import { OUTBOUND_LIMITS } from "../../../../protocol/settings/outbound.ts";
import { ApiProblem, errorText } from "../../api.ts";
import { Alert, Badge, Button, Card, Field } from "../../components/ui.tsx";
import type { Patch } from "./patch.ts";

type FieldName = "destinations" | "maxConcurrent" | "address" | "username" | "password";

/**
 * Calls started by the bot (docs/api.md, "Calls started by the bot"): whether the bot may start calls, where to,
 * how many at once, and the outbound SIP trunk LiveKit dials through. The trunk password is write-only: the field
 * starts empty, and leaving it empty keeps the stored one.
 */
export function OutboundCard(props: { service: Service; patch: Patch }) {
  const { outbound } = props.service;
  const [enabled, setEnabled] = useState(outbound.enabled);
  const [destinations, setDestinations] = useState(outbound.destinations.join(", "));
  const [maxConcurrent, setMaxConcurrent] = useState(String(outbound.maxConcurrent));
  const [address, setAddress] = useState(outbound.trunk.address);
  const [username, setUsername] = useState(outbound.trunk.username);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [saved, setSaved] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setError(null);
    const max = Number(maxConcurrent.trim());
    const { min, max: top } = OUTBOUND_LIMITS.maxConcurrent;
    if (!Number.isInteger(max) || max < min || max > top) {
      setFieldErrors({ maxConcurrent: `Enter a whole number from ${min} to ${top}.` });
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      await props.patch({
        outbound: {
          enabled,
          destinations: destinations.split(/[\s,]+/).filter((d) => d !== ""),
          maxConcurrent: max,
          trunk: { address: address.trim(), username: username.trim(), ...(password !== "" ? { password } : {}) },
        },
      });
      setPassword("");
      setSaved(true);
    } catch (e) {
      if (e instanceof ApiProblem && e.details.length > 0) {
        const message = (field: string) => e.details.map((d) => d as { field?: string; message?: string }).find((d) => d.field?.startsWith(field))?.message;
        setFieldErrors({
          destinations: message("outbound.destinations"),
          maxConcurrent: message("outbound.maxConcurrent"),
          address: message("outbound.trunk.address"),
          username: message("outbound.trunk.username"),
          password: message("outbound.trunk.password"),
        });
      }
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Outbound calls"
      description={
        <>
          Let your bot start calls: it sends <code>new: "true"</code> with <code>to</code>, <code>from</code> and the first sentence to the send
          API. Off, it is answered <code>start not allowed</code>.
        </>
      }
      actions={<Badge tone={outbound.enabled ? "green" : "neutral"}>{outbound.enabled ? "Enabled" : "Off"}</Badge>}
    >
      <form onSubmit={submit} noValidate className="form-grid two-columns" data-testid="outbound-form">
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Allow the bot to start calls
        </label>
        <Field label="Allowed destinations" hint="Prefixes such as +33 or +1415, or country codes such as GB, separated by commas. Empty allows none." error={fieldErrors.destinations}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={destinations} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setDestinations(e.target.value)} />
          )}
        </Field>
        <Field label="Simultaneous outbound calls" hint={`Ringing or under way at once (${OUTBOUND_LIMITS.maxConcurrent.min}–${OUTBOUND_LIMITS.maxConcurrent.max}).`} error={fieldErrors.maxConcurrent}>
          {({ id, describedBy, invalid }) => (
            <input id={id} type="number" inputMode="numeric" step={1} value={maxConcurrent} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setMaxConcurrent(e.target.value)} />
          )}
        </Field>
        <Field label="SIP trunk address" hint="With LiveKit: your SIP provider's host, e.g. sip.provider.example or host:5060." error={fieldErrors.address}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={address} autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setAddress(e.target.value)} />
          )}
        </Field>
        <Field label="SIP trunk username" error={fieldErrors.username}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={username} autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setUsername(e.target.value)} />
          )}
        </Field>
        <Field
          label="SIP trunk password"
          hint={outbound.trunk.passwordSet ? "A password is set. It is never shown again; leave this empty to keep it." : "No password is set."}
          error={fieldErrors.password}
        >
          {({ id, describedBy, invalid }) => (
            <input id={id} type="password" value={password} autoComplete="new-password" aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…">
            Save outbound calls
          </Button>
        </div>
      </form>
    </Card>
  );
}

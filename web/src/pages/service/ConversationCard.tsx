import { type FormEvent, type ReactNode, useState } from "react";
import type { Service } from "../../../../protocol/management.ts";
import {
  BARGE_IN_POLICIES,
  CONVERSATION_LIMITS,
  type ConversationSettings,
  STALE_REPLY_POLICIES,
  conversationSettings,
} from "../../../../protocol/settings/conversation.ts";
import { ApiProblem, errorText } from "../../api.ts";
import { Alert, Button, Card, Field } from "../../components/ui.tsx";
import type { Patch } from "./patch.ts";
import { SpeechContextsHelp } from "./SpeechContextsHelp.tsx";

type Key = keyof ConversationSettings;
const KEYS = Object.keys(conversationSettings.defaults) as Key[];
type Form = Record<Key, string | boolean>;

const LIST_KEYS = new Set<Key>(["silenceMessages", "botSlowMessages", "noMatchMessages", "yesWords", "noWords", "speechKeyterms"]);
const NUMBER_KEYS = new Set<Key>(["silenceSeconds", "silenceMaxReprompts", "botSlowSeconds", "botGiveUpSeconds", "noMatchConfidence"]);

const BARGE_IN_LABELS: Record<(typeof BARGE_IN_POLICIES)[number], string> = {
  any: "Voice or keys",
  speech: "Voice only",
  dtmf: "Keys only",
  none: "Nothing: every message is heard whole",
};
const STALE_LABELS: Record<(typeof STALE_REPLY_POLICIES)[number], string> = {
  speak: "Speak it as usual",
  drop: "Drop it",
  speak_if_latest: "Speak it only if no newer bot message came",
};

/** A setting as the form holds it: lists one per line, numbers as typed. */
function toForm(service: Service): Form {
  return Object.fromEntries(
    KEYS.map((key) => {
      const value = service[key];
      return [key, Array.isArray(value) ? value.join("\n") : typeof value === "boolean" ? value : String(value)];
    }),
  ) as Form;
}

function fromForm(key: Key, value: string | boolean): unknown {
  if (typeof value === "boolean") return value;
  if (LIST_KEYS.has(key)) return value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (NUMBER_KEYS.has(key)) return value.trim() === "" ? Number.NaN : Number(value.trim());
  return value.trim();
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The service's conversation settings (protocol/settings/conversation.ts): what happens between the words of a call. */
export function ConversationCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [form, setForm] = useState<Form>(() => toForm(service));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Key, string>>>({});
  const [saved, setSaved] = useState(false);
  const changed = KEYS.filter((key) => !same(fromForm(key, form[key]), service[key]));

  const set = (key: Key, value: string | boolean) => setForm({ ...form, [key]: value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setError(null);
    setFieldErrors({});
    if (changed.length === 0) return;
    setBusy(true);
    try {
      await props.patch(Object.fromEntries(changed.map((key) => [key, fromForm(key, form[key])])));
      setSaved(true);
    } catch (e) {
      const named: Partial<Record<Key, string>> = {};
      if (e instanceof ApiProblem) {
        for (const d of e.details as { field?: string; message?: string }[]) {
          const key = d.field?.split(".")[0] as Key | undefined;
          if (key && KEYS.includes(key) && !named[key]) named[key] = d.message ?? "Not valid.";
        }
      }
      if (Object.keys(named).length > 0) setFieldErrors(named);
      else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const text = (key: Key, label: string, hint: ReactNode, placeholder?: string) => (
    <Field label={label} hint={hint} error={fieldErrors[key]}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          value={String(form[key])}
          maxLength={CONVERSATION_LIMITS.sentence}
          placeholder={placeholder}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );
  const number = (key: Key, label: string, hint: ReactNode, step = 1) => (
    <Field label={label} hint={hint} error={fieldErrors[key]}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="number"
          inputMode="decimal"
          step={step}
          value={String(form[key])}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );
  const list = (key: Key, label: string, hint: ReactNode) => (
    <Field label={label} hint={hint} error={fieldErrors[key]}>
      {({ id, describedBy, invalid }) => (
        <textarea id={id} rows={3} value={String(form[key])} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set(key, e.target.value)} />
      )}
    </Field>
  );
  const check = (key: Key, label: string) => (
    <label className="checkbox">
      <input type="checkbox" checked={form[key] === true} onChange={(e) => set(key, e.target.checked)} /> {label}
    </label>
  );
  const choice = <T extends string>(key: Key, label: string, hint: ReactNode, labels: Record<T, string>) => (
    <Field label={label} hint={hint} error={fieldErrors[key]}>
      {({ id, describedBy }) => (
        <select id={id} value={String(form[key])} aria-describedby={describedBy} onChange={(e) => set(key, e.target.value)}>
          {(Object.keys(labels) as T[]).map((value) => (
            <option key={value} value={value}>
              {labels[value]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <Card
      title="Conversation"
      description="What happens between the words: greeting, silence, a slow bot, unclear speech, yes and no, repeats, interruptions, speech hints and late replies. Built-in sentences are in the service's language."
    >
      <form onSubmit={submit} noValidate className="form-grid two-columns" aria-label="Conversation settings">
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        {text("greeting", "Greeting while the bot thinks", "Said as soon as the call is answered, before the bot's first message. Empty: none.")}
        {number("silenceSeconds", "Reprompt after silence (seconds)", `After the bot has spoken, 0 (off) or ${CONVERSATION_LIMITS.silenceSeconds.min}–${CONVERSATION_LIMITS.silenceSeconds.max}.`)}
        {list("silenceMessages", "Reprompts", "One per line, picked at random. Empty: \"Are you still there?\" in the service's language.")}
        {number("silenceMaxReprompts", "Reprompts at most", `${CONVERSATION_LIMITS.repromptTimes.min}–${CONVERSATION_LIMITS.repromptTimes.max} in a row.`)}
        <div className="field">
          {check("silenceEndsCall", "End the call after the last reprompt goes unanswered")}
          {check("silenceNotifyBot", "Tell the bot of each reprompt (hints.event \"reprompt\")")}
        </div>
        {number("botSlowSeconds", "Holding message after (seconds)", `Without a reply to the caller, ${CONVERSATION_LIMITS.botSlowSeconds.min}–${CONVERSATION_LIMITS.botSlowSeconds.max}.`)}
        {list("botSlowMessages", "Holding messages", "One per line, picked at random. Empty: \"One moment, please.\"")}
        {number("botGiveUpSeconds", "Apologize after (seconds)", `0 (never) or ${CONVERSATION_LIMITS.botGiveUpSeconds.min}–${CONVERSATION_LIMITS.botGiveUpSeconds.max}.`)}
        {text("botGiveUpMessage", "Apology", "Empty: a built-in apology.")}
        <div className="field">{check("botGiveUpEndsCall", "End the call after the apology")}</div>
        {number("noMatchConfidence", "No-match below confidence", "0 (off) to 1: less sure transcripts are not sent to the bot.", 0.05)}
        {list("noMatchMessages", "No-match messages", "One per line. Empty: \"Sorry, I didn't catch that.\"")}
        <div className="field">{check("yesNoAlternatives", "Turn yeah, yep, sure… into \"yes\" (and nope, nah… into \"no\")")}</div>
        {list("yesWords", "More words for yes", "One per line, added to the language's list.")}
        {list("noWords", "More words for no", "One per line, added to the language's list.")}
        {text("repeatPattern", "Repeat when the caller says", "A regular expression, any case; the last bot message is said again. Empty: off.", "repeat|say that again|pardon")}
        {choice("bargeIn", "What interrupts the bot", "A message with hints.bargein false is always heard whole.", BARGE_IN_LABELS)}
        {list("speechKeyterms", "Speech hints", "Words and names to expect, one per line.")}
        <SpeechContextsHelp />
        <div className="field">{check("endOfPromptNotice", "Tell the bot when each message has played (hints.event \"endofprompt\")")}</div>
        {choice("staleReplies", "A reply to an older turn", "When the caller spoke again before the bot answered (hints.inReplyTo).", STALE_LABELS)}
        <div className="form-actions">
          <Button type="submit" busy={busy} busyLabel="Saving…" disabled={changed.length === 0}>
            Save conversation settings
          </Button>
        </div>
      </form>
    </Card>
  );
}

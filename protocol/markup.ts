/**
 * Call-control markup in a bot's message body (docs/api.md, "Call control markup"): `<hangup/>` (and the
 * PhoneMyBot spelling `<hungup/>`), `<break time="500ms"/>`, `<dtmf digits="1w2#"/>`, `<transfer referto="…"/>`.
 * Any other tag is removed and never spoken; the text between an opening and a closing tag is kept. Liberal in
 * what it accepts: any case, single or double quotes, attributes separated by spaces or commas, self-closing or
 * not, and the HTML-escaped forms (`&lt;hangup/&gt;`). Pure: used by the gateway (hang-up) and the agent (speech).
 */

export type MarkupAction =
  | { type: "say"; text: string }
  | { type: "break"; ms: number }
  /** Keys `0-9*#`, and `w`: a half-second wait. */
  | { type: "dtmf"; digits: string }
  /** A transfer: decided on by the gateway (protocol/transfer.ts, its guard), carried out by the agent. */
  | { type: "transfer"; referTo: string; timeoutMs?: number }
  | { type: "hangup" };

export interface ParsedMarkup {
  /** The body without its tags, whitespace collapsed: what the caller hears. */
  spokenText: string;
  /** In order: speech and breaks, keys and transfers where their tags stand; `hangup` last, once, if any. */
  actions: MarkupAction[];
  hangup: boolean;
  /**
   * The real product's speech-context markup, `<context name="…"/>`: the names (in order) of what the caller's next
   * utterance is about (e.g. "digits", "yes_no"), given to the recognizer as hints. Never spoken. Present only when
   * the body has one.
   */
  contexts?: string[];
}

/** A pause longer than this is shortened to it. */
export const MAX_BREAK_MS = 5000;
/** What `w` waits in a DTMF string. */
export const DTMF_WAIT_MS = 500;

const OPEN = String.raw`(?:<|&lt;)`;
const CLOSE = String.raw`(?:>|&gt;)`;
const NAME = String.raw`[A-Za-z][\w:.-]*`;
const VALUE = String.raw`"[^"]*"|'[^']*'|&quot;[\s\S]*?&quot;|&#0*34;[\s\S]*?&#0*34;|&#0*39;[\s\S]*?&#0*39;|&apos;[\s\S]*?&apos;|[^\s,"'<>&]+`;
const ATTRIBUTE = String.raw`(${NAME})(?:\s*=\s*(${VALUE}))?`;
/** An opening, closing or self-closing tag, or a comment, plain or HTML-escaped. */
const TAG = new RegExp(
  String.raw`${OPEN}!--[\s\S]*?--${CLOSE}|${OPEN}(\/?)(${NAME})((?:[\s,]+${NAME}(?:\s*=\s*(?:${VALUE}))?)*)[\s,]*\/?\s*${CLOSE}`,
  "g",
);
const ATTRIBUTES = new RegExp(ATTRIBUTE, "g");
const QUOTES = /^(?:"|'|&quot;|&#0*34;|&#0*39;|&apos;)([\s\S]*)(?:"|'|&quot;|&#0*34;|&#0*39;|&apos;)$/;

/** Tags that act where they stand: their place separates words even when their attributes are unusable. */
const ACTION_TAGS = new Set(["hangup", "hungup", "break", "dtmf", "transfer"]);

function attributesOf(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name, raw] of text.matchAll(ATTRIBUTES)) {
    const value = raw === undefined ? "" : (QUOTES.exec(raw)?.[1] ?? raw);
    const key = name!.toLowerCase();
    if (!attributes.has(key)) attributes.set(key, value.trim());
  }
  return attributes;
}

/** `500ms`, `2s`, `1.5s` (any case): milliseconds, at most 5 s; undefined when unreadable. */
function breakMs(time: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)$/i.exec(time?.trim() ?? "");
  if (!match) return undefined;
  const ms = Number(match[1]) * (match[2]!.toLowerCase() === "s" ? 1000 : 1);
  return Math.min(Math.round(ms), MAX_BREAK_MS);
}

/** The keys of a `digits` attribute: `0-9*#` and `w` (a wait); anything else is dropped. */
function dtmfDigits(digits: string | undefined): string {
  return (digits ?? "").toLowerCase().replace(/[^0-9*#w]/g, "");
}

/** The RFC 4733 event code of a key: 0-9 are 0-9, `*` is 10, `#` is 11. */
export function rfc4733Code(key: string): number {
  return key === "*" ? 10 : key === "#" ? 11 : Number(key);
}

/** A transfer target: `tel:…`, `sip:…`/`sips:…`, or an E.164 number. */
function transferTarget(referTo: string | undefined): string | undefined {
  const target = referTo?.trim() ?? "";
  return /^(?:tel|sips?):\S+$/i.test(target) || /^\+[1-9]\d{1,14}$/.test(target) ? target : undefined;
}

function actionOf(name: string, attributes: Map<string, string>): MarkupAction | undefined {
  switch (name) {
    case "hangup":
    case "hungup":
      return { type: "hangup" };
    case "break": {
      const ms = breakMs(attributes.get("time"));
      return ms ? { type: "break", ms } : undefined;
    }
    case "dtmf": {
      const digits = dtmfDigits(attributes.get("digits"));
      return digits ? { type: "dtmf", digits } : undefined;
    }
    case "transfer": {
      const referTo = transferTarget(attributes.get("referto"));
      if (!referTo) return undefined;
      const timeout = attributes.get("timeoutms");
      const timeoutMs = timeout && /^\d+$/.test(timeout) ? Number(timeout) : undefined;
      return timeoutMs === undefined ? { type: "transfer", referTo } : { type: "transfer", referTo, timeoutMs };
    }
  }
  return undefined;
}

const normalize = (text: string) => text.replace(/\s+/g, " ").trim();

/** Splits a bot's message into what is spoken and what is done (see the module's comment). */
export function parseMarkup(body: string): ParsedMarkup {
  const actions: MarkupAction[] = [];
  const spoken: string[] = [];
  const contexts: string[] = [];
  let hangup = false;
  let text = "";
  const flush = () => {
    const segment = normalize(text);
    text = "";
    if (!segment) return;
    spoken.push(segment);
    actions.push({ type: "say", text: segment });
  };
  let at = 0;
  for (const match of body.matchAll(TAG)) {
    text += body.slice(at, match.index);
    at = match.index + match[0].length;
    const [, closing, rawName, rawAttributes] = match;
    const name = rawName?.toLowerCase();
    if (name === "context" && !closing) {
      const context = attributesOf(rawAttributes ?? "").get("name");
      if (context) contexts.push(context);
    }
    if (!name || !ACTION_TAGS.has(name)) continue;
    text += " ";
    if (closing) continue;
    const action = actionOf(name, attributesOf(rawAttributes ?? ""));
    if (action?.type === "hangup") hangup = true;
    else if (action) {
      flush();
      actions.push(action);
    }
  }
  text += body.slice(at);
  flush();
  if (hangup) actions.push({ type: "hangup" });
  return { spokenText: spoken.join(" "), actions, hangup, ...(contexts.length > 0 ? { contexts } : {}) };
}

// A PhoneMyBot bot on Hono (Node): greets the caller, echoes what they say, counts turns in `opaque`,
// transfers on "agent" and hangs up on "goodbye". The messaging API is in docs/api.md.
import { timingSafeEqual } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const PORT = Number(process.env.PORT ?? 3000);
const BOT_TOKEN = process.env.BOT_TOKEN ?? ""; // the service's bot token: what PhoneMyBot sends us
const PHONEMYBOT_TOKEN = process.env.PHONEMYBOT_TOKEN ?? ""; // the service's PhoneMyBot token: what we send back
const PHONEMYBOT_URL = process.env.PHONEMYBOT_URL ?? "http://localhost:8787";
const AGENT_NUMBER = process.env.AGENT_NUMBER; // where "agent" transfers the caller, e.g. +14155550100

interface Incoming {
  conversation: string;
  body?: string | null;
  opaque?: string | null;
  new?: boolean | string;
  last?: boolean | string;
  hints?: string | null;
}
interface State {
  turns: number;
}

// `new`/`last` are "true"/"false" strings or booleans, depending on the service's message format.
const flag = (value: unknown) => value === true || value === "true";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readState(opaque: string | null | undefined): State {
  try {
    return { turns: 0, ...(JSON.parse(opaque ?? "") as Partial<State>) };
  } catch {
    return { turns: 0 };
  }
}

/** What to answer to one message of the caller's side; undefined: nothing to say. */
function reply(message: Incoming): Record<string, unknown> | undefined {
  if (flag(message.last)) return undefined; // the call has ended
  const state = readState(message.opaque);
  const hints = message.hints ? (JSON.parse(message.hints) as { telephony?: { event?: string } }) : {};
  if (hints.telephony?.event === "transfer_failed") return { body: "Sorry, nobody can take your call right now." };
  if (flag(message.new)) return { body: "Hello! I repeat what you say. Say agent for a person, or goodbye to hang up." };
  const text = (message.body ?? "").trim();
  if (text === "") return undefined; // keys pressed, or an event we do not handle
  if (/\bgoodbye\b/i.test(text)) return { body: "Goodbye!", last: true };
  if (/\bagent\b/i.test(text)) {
    if (!AGENT_NUMBER) return { body: "Sorry, no agent number is configured." };
    return { body: "Putting you through to a person.", hints: { telephony: { action: "transfer", info: { called: AGENT_NUMBER } } } };
  }
  const next = { turns: state.turns + 1 };
  return { body: `You said: ${text}. That was turn ${next.turns}.`, opaque: JSON.stringify(next) };
}

async function send(conversation: string, answer: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${PHONEMYBOT_URL}/cloudengine/rest/voicebot/send/${encodeURIComponent(conversation)}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${PHONEMYBOT_TOKEN}` },
    body: JSON.stringify({ conversation, ...answer }),
  });
  const result = (await response.json()) as { success: boolean; reason: string };
  if (!result.success) console.error(`PhoneMyBot refused our message: ${result.reason}`);
}

const app = new Hono();
app.post("/bot", async (c) => {
  if (!sameSecret(c.req.header("authorization") ?? "", `Basic ${BOT_TOKEN}`)) {
    return c.json({ success: false, reason: "authorization fail" }, 401);
  }
  const message = await c.req.json<Incoming>().catch(() => undefined);
  if (!message?.conversation) return c.json({ success: false, reason: "rejected" }, 400);
  const answer = reply(message);
  // Answer this request first; our reply is a request of its own.
  if (answer) setImmediate(() => send(message.conversation, answer).catch((e: unknown) => console.error(e)));
  return c.json({ success: true, reason: "delivered" });
});

serve({ fetch: app.fetch, port: PORT }, (info) => console.log(`bot listening on http://localhost:${info.port}/bot`));

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startLocalServer } from "../../agent/local-server.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import { callGateway, freePort, startGateway } from "../e2e/server.ts";
import { initLogger, waitFor } from "./helpers.ts";
import { LocalCaller, mintTicket } from "./local-caller.ts";
import { botSendsTo, speech } from "./offline-speech.ts";

/**
 * Conversation scenarios end to end, offline: espeak-ng speech → local transport → pocketsphinx (phrase grammar
 * `callerPhrases`) → the real gateway (wrangler dev) → the fake bot, and back. Registers the file's hooks (gateway,
 * bot and agent up before its tests, every call over after each, all stopped after them); each test configures a
 * service of its own with `call(settings)`.
 */
export function conversationHarness(options: { callerPhrases: string[] }) {
  const SECRET = "e2e-conversation-secret";
  let silero: SileroModel;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let persistTo: string;
  let bot: Awaited<ReturnType<typeof startFakeBot>>;
  let local: Awaited<ReturnType<typeof startLocalServer>>;
  let apiKey: string;

  beforeAll(async () => {
    initLogger();
    persistTo = await mkdtemp(join(tmpdir(), "pmb-conversation-"));
    [silero, gateway, bot] = await Promise.all([
      SileroModel.load(),
      startGateway({ AGENT_SECRET: SECRET, DELIVERY_RETRY_DELAYS_MS: "200,400", BOT_TIMEOUT_MS: "2000" }, { agent: false, port: await freePort(), persistTo }),
      startFakeBot(),
    ]);
    // No NO_REPLY_TIMEOUT_MS override: each service's own `botSlowSeconds` applies.
    local = await startLocalServer({
      agent: { gatewayUrl: gateway.url, agentSecret: SECRET, noReplyTimeoutMs: undefined },
      speech: { offlinePhrases: options.callerPhrases },
      vadForCall: () => silero.forCall(),
    });
    const account = await callGateway(gateway.url, "/api/v1/accounts", { method: "POST", json: { email: `conv-${Date.now()}@example.com`, password: "correct horse battery" } });
    apiKey = account.body.apiKey;
  }, 90_000);

  /** Callers of the file's calls: one a failed test left on the line is hung up, so the next test starts clean. */
  const callers: LocalCaller[] = [];

  afterEach(async () => {
    for (const caller of callers.splice(0)) if (caller.ws.readyState === caller.ws.OPEN) caller.hangUp();
    await waitFor(() => local.calls.size === 0, 10_000, `every call over in the agent (${local.calls.size} left)`);
  });

  afterAll(async () => {
    await local?.close();
    await bot?.close();
    await gateway?.stop();
    if (persistTo) await rm(persistTo, { recursive: true, force: true });
  });

  /** What the fake bot has received on a call, in order. */
  const received = async (conversation: string) => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as Received[];

  /** A service wired to the fake bot with these settings; its token for the bot's messages. */
  async function serviceWith(settings: Record<string, unknown>) {
    const created = await callGateway(gateway.url, "/api/v1/services", { method: "POST", key: apiKey, json: { name: "Conversation", language: "en-US" } });
    const patched = await callGateway(gateway.url, `/api/v1/services/${created.body.id}`, {
      method: "PATCH",
      key: apiKey,
      json: { botUrl: `${bot.url}/bot/{conversation}`, botToken: "bot-secret", ...settings },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    return { serviceId: created.body.id as string, token: patched.body.token as string };
  }

  /** A call to a new service with these settings, started; `botSays` sends the bot's messages on it. */
  async function call(settings: Record<string, unknown>) {
    const { serviceId, token } = await serviceWith(settings);
    const caller = new LocalCaller(local.url, await mintTicket(SECRET, { serviceId, from: "+442071838750" }));
    callers.push(caller);
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    const conversation = started.conversation as string;
    const botSays = (body: string, extra: Record<string, unknown> = {}) => botSendsTo(gateway.url, token, conversation, { body, ...extra });
    return { caller, conversation, botSays };
  }

  /** The final transcript the agent made of what the caller says now. */
  async function heardOf(caller: LocalCaller, text: string): Promise<string> {
    const before = caller.events.filter((e) => e.type === "caller" && e.final).length;
    await caller.say(speech(text));
    const finals = await waitFor(() => {
      const all = caller.events.filter((e) => e.type === "caller" && e.final);
      return all.length > before && all;
    }, 15_000, `the final transcript of "${text}"`);
    return finals.at(-1)!.text as string;
  }

  /** The caller says `text` and the agent hears it whole (its final transcript). */
  async function callerSays(caller: LocalCaller, text: string) {
    expect(await heardOf(caller, text)).toBe(text);
  }

  return {
    received,
    call,
    callerSays,
    heardOf,
    /** The gateway's record of a call (`GET /api/v1/calls/{conversation}`). */
    callRecord: (conversation: string) => callGateway(gateway.url, `/api/v1/calls/${conversation}`, { key: apiKey }),
  };
}

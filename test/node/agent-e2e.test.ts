import { spawnSync } from "node:child_process";
import type { VAD } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, decodeWav, frames, resample, rms, silence } from "../../agent/audio.ts";
import { startLocalServer } from "../../agent/local-server.ts";
import { SphinxSTT } from "../../agent/providers/sphinx-stt.ts";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import { api, startGateway } from "../agent/gateway.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { LocalCaller } from "../agent/local-caller.ts";

/**
 * End to end, offline: espeak-ng speech → local transport → pocketsphinx → the real gateway (wrangler dev) →
 * the fake bot; the bot's reply → espeak-ng → audio back to the caller, transcribed back.
 */
const SECRET = "e2e-agent-secret";
const CALLER_PHRASES = ["hello i would like to book a table for two", "what time do you open", "i want to cancel my order", "yes please"];
const BOT_PHRASES = ["we are open until ten tonight", "your table is booked goodbye", "thank you for calling", "please hold the line"];

let vad: VAD;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let local: Awaited<ReturnType<typeof startLocalServer>>;
let apiKey: string;
let serviceId: string;
let token: string;

/** Caller speech: espeak-ng at 16 kHz, with a little silence around it. */
function speech(text: string): Int16Array {
  const out = spawnSync("espeak-ng", ["-v", "en-us", "--stdout", text]);
  const { samples, sampleRate } = decodeWav(out.stdout);
  return concatSamples([silence(16_000, 200), resample(samples, sampleRate, 16_000), silence(16_000, 200)]);
}

async function botSays(conversation: string, body: string, last = false) {
  const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${token}` },
    body: JSON.stringify({ conversation, body, last: last ? "true" : "false" }),
  });
  expect(await res.json()).toEqual({ success: true, reason: "delivered" });
}

async function poll<T>(get: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const received = async (conversation: string) => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as Received[];

beforeAll(async () => {
  initLogger();
  [vad, gateway, bot] = await Promise.all([silero.VAD.load(), startGateway(SECRET), startFakeBot()]);
  local = await startLocalServer({
    agent: { gatewayUrl: gateway.url, agentSecret: SECRET, noReplyTimeoutMs: 8000 },
    speech: { offlinePhrases: CALLER_PHRASES },
    vad,
  });
  const account = await api(gateway.url, "/api/v1/accounts", { method: "POST", json: { email: `e2e-${Date.now()}@example.com`, password: "correct horse battery" } });
  apiKey = account.body.apiKey;
  const service = await api(gateway.url, "/api/v1/services", { method: "POST", key: apiKey, json: { name: "Pizza", language: "en-US" } });
  serviceId = service.body.id;
  const patched = await api(gateway.url, `/api/v1/services/${serviceId}`, {
    method: "PATCH",
    key: apiKey,
    json: { botUrl: `${bot.url}/bot/{conversation}`, botToken: "bot-secret" },
  });
  expect(patched.status).toBe(200);
  token = patched.body.token;
}, 90_000);

afterAll(async () => {
  await local?.close();
  await bot?.close();
  await gateway?.stop();
});

async function connect() {
  const caller = new LocalCaller(local.url, { serviceId, from: "+442071838750" });
  await caller.opened;
  const started = await waitFor(() => caller.event("started"), 15_000, "started").catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(caller.events)}`); });
  return { caller, conversation: started.conversation as string };
}

describe("voice end to end (offline speech, real gateway)", () => {
  it("a conversation: the caller's words reach the bot, the bot's reply is heard, the bot ends the call", async () => {
    const { caller, conversation } = await connect();
    await caller.say(speech("hello i would like to book a table for two"));
    const words = await waitFor(() => caller.events.find((e) => e.type === "caller" && e.final), 15_000, "final transcript");
    expect(words.text).toBe("hello i would like to book a table for two");
    const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.body === words.text), "the bot got the words");
    expect(log[0]!.message).toMatchObject({ new: "true", conversation, from: "+442071838750" });
    expect(log.map((r) => r.message.body)).toContain("hello i would like to book a table for two");
    expect(log.at(-1)!.authorization).toBe("Basic bot-secret");

    const t0 = performance.now();
    await botSays(conversation, "We are open until ten tonight.");
    await waitFor(() => caller.events.find((e) => e.type === "bot"), 10_000, "bot speech");
    await new Promise((r) => setTimeout(r, 500));
    await waitFor(() => performance.now() - (caller.audio.at(-1)?.at ?? 0) > 400 && caller.audio.length > 0, 15_000, "the reply to finish");
    const heard = caller.heardSince(t0);
    expect(heard.length / 24_000).toBeGreaterThan(1.2);
    expect(heard.length / 24_000).toBeLessThan(4);
    expect(rms(heard)).toBeGreaterThan(0.03);
    const sphinx = new SphinxSTT({ language: "en-US", phrases: BOT_PHRASES });
    const back = await sphinx.recognize([...frames(heard, 24_000)]);
    expect(back.alternatives?.[0].text).toBe("we are open until ten tonight");

    await botSays(conversation, "Your table is booked. Goodbye.", true);
    await caller.closed;
    expect(caller.event("ended")?.reason).toBe("bot_ended");
    const call = await api(gateway.url, `/api/v1/calls/${conversation}`, { key: apiKey });
    expect(call.status).toBe(200);
    expect(JSON.stringify(call.body)).toMatch(/ended|finished|over/);
    await sphinx.close();
  });

  it("two calls at once, then the callers hang up: each bot conversation gets its own words and a `last`", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.conversation).not.toBe(b.conversation);
    await Promise.all([a.caller.say(speech("what time do you open")), b.caller.say(speech("i want to cancel my order"))]);
    const logA = await poll(() => received(a.conversation), (l) => l.some((r) => r.message.body === "what time do you open"), "call A's words").catch((e) => { throw new Error(`${e.message} A=${JSON.stringify(a.caller.events)} B=${JSON.stringify(b.caller.events)}`); });
    const logB = await poll(() => received(b.conversation), (l) => l.some((r) => r.message.body === "i want to cancel my order"), "call B's words");
    expect(logA.map((r) => r.message.body)).not.toContain("i want to cancel my order");
    expect(logB.map((r) => r.message.body)).not.toContain("what time do you open");
    a.caller.hangUp();
    b.caller.ws.close(); // a dropped line counts as hanging up too
    await Promise.all([a.caller.closed, b.caller.closed]);
    for (const conversation of [a.conversation, b.conversation]) {
      const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.last === "true"), "the bot told the call is over");
      expect(log.at(-1)!.message).toMatchObject({ last: "true", body: "" });
    }
  });

  it("test mode: a wrong PIN is asked again, the right one connects the call to the test session", async () => {
    const demo = await api(gateway.url, "/api/v1/services", { method: "POST", key: apiKey, json: { name: "Demo", language: "en-US" } });
    const session = await api(gateway.url, `/api/v1/services/${demo.body.id}/test-sessions`, { method: "POST", key: apiKey });
    expect(session.status).toBe(201);
    const pin = session.body.pin as string;
    const wrong = pin === "0000" ? "1111" : "0000";
    const caller = new LocalCaller(local.url, { serviceId: demo.body.id, from: "+442071838750" });
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    expect(started.testMode).toBe(true);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /PIN/.test(e.text)), 5000, "PIN prompt");
    caller.keys(wrong);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /not right/.test(e.text)), 10_000, "wrong-PIN prompt");
    caller.keys(pin);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /connected/.test(e.text)), 10_000, "connected");
    const state = await api(gateway.url, `/api/v1/services/${demo.body.id}/test-sessions/${session.body.id}`, { key: apiKey });
    expect(state.body).toMatchObject({ state: "connected", conversation: started.conversation });
    caller.hangUp();
    await caller.closed;
  });
});

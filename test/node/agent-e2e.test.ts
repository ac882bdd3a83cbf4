import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rms } from "../../agent/audio.ts";
import { startLocalServer } from "../../agent/local-server.ts";
import { startMetricsServer } from "../../agent/metrics.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { promptsFor } from "../../agent/prompts.ts";
import { normalizePhrase } from "../../agent/providers/sphinx-stt.ts";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import type { PhoneMyBotClient } from "../../client/index.ts";
import { callRecord, freePort, newAccount, newService, startGateway } from "../e2e/server.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { LocalCaller, mintTicket } from "../agent/local-caller.ts";
import { botSendsTo, espeakSeconds, heardUntilQuiet, poll, speech, transcribe, voiceOnsetMs } from "../agent/offline-speech.ts";

/**
 * End to end, offline: espeak-ng speech → local transport → pocketsphinx → the real gateway (wrangler dev) →
 * the fake bot; the bot's reply → espeak-ng → audio back to the caller, transcribed back.
 */
const SECRET = "e2e-agent-secret";
const CALLER_PHRASES = ["hello i would like to book a table for two", "what time do you open", "i want to cancel my order", "yes please", "stop i want the salmon"];
const BOT_PHRASES = ["we are open until ten tonight", "your table is booked goodbye", "thank you for calling", "please hold the line"];
const PROMPTS = promptsFor("en-US");
/** The agent's "One moment, please." delay in this file. */
const NO_REPLY_MS = 8000;

let silero: SileroModel;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/** Where the gateway listens and keeps its storage: the last test restarts it there. */
let gatewayOptions: { agent: false; port: number; persistTo: string };
/** Where this file's local agent listens; the gateway tells it to callers (voice-answer tickets). Set before the gateway starts. */
let agentPort = 0;
const gatewayVars: Record<string, string> = { AGENT_SECRET: SECRET, DELIVERY_RETRY_DELAYS_MS: "200,400", BOT_TIMEOUT_MS: "2000" };
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let local: Awaited<ReturnType<typeof startLocalServer>>;
/** The typed client (client/) as the file's account; the gateway keeps its port across the restart. */
let api: PhoneMyBotClient;
let serviceId: string;
let token: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const botSays = (conversation: string, body: string, last = false, serviceToken = token) =>
  botSendsTo(gateway.url, serviceToken, conversation, { body, last: last ? "true" : "false" });

/** The bot starts a call to a French number (send API with `new`). */
async function botStarts(serviceToken: string, conversation: string, body: string) {
  const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${serviceToken}` },
    body: JSON.stringify({ new: "true", to: "+33142685300", body }),
  });
  return (await res.json()) as { success: boolean; reason: string };
}

/** A service with the fake bot, a number, and calls started by the bot allowed to France. */
async function outboundService() {
  const number = `+1415${2_000_000 + Math.floor(Math.random() * 8_000_000)}`;
  const created = await newService(api, { name: "Outbound" });
  const patched = await api.PATCH("/api/v1/services/{id}", {
    params: { path: { id: created.id } },
    body: { numbers: [number], botUrl: `${bot.url}/bot/{conversation}`, outbound: { enabled: true, destinations: ["+33"] } },
  });
  expect(patched.response.status).toBe(200);
  return { id: created.id, token: patched.data!.token, number };
}

const record = (conversation: string) => callRecord(api, conversation);

/** A demo-mode service (no bot URL) and a TEST session on it, with its PIN. */
async function demoWithTestSession(name: string) {
  const demo = await newService(api, { name });
  const session = await api.POST("/api/v1/services/{id}/test-sessions", { params: { path: { id: demo.id } } });
  expect(session.response.status).toBe(201);
  return { demo, session: session.data! };
}

const testSessionState = async (serviceId: string, session: string) =>
  (await api.GET("/api/v1/services/{id}/test-sessions/{session}", { params: { path: { id: serviceId, session } } })).data;

/** A ticket for a call on `service` from a phone number (minted with the agent secret, as only the gateway can). */
const phoneTicket = (service: string) => mintTicket(SECRET, { serviceId: service, from: "+442071838750" });

const received = async (conversation: string) => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as Received[];

beforeAll(async () => {
  initLogger();
  // The gateway without `npm start`'s agent: this file runs its own, with a phrase grammar for its callers.
  gatewayOptions = { agent: false, port: await freePort(), persistTo: await mkdtemp(join(tmpdir(), "pmb-voice-")) };
  agentPort = await freePort();
  gatewayVars.AGENT_PUBLIC_URL = `http://127.0.0.1:${agentPort}`;
  [silero, gateway, bot] = await Promise.all([SileroModel.load(), startGateway(gatewayVars, gatewayOptions), startFakeBot()]);
  local = await startLocalServer({
    port: agentPort,
    agent: { gatewayUrl: gateway.url, agentSecret: SECRET, noReplyTimeoutMs: NO_REPLY_MS },
    speech: { offlinePhrases: CALLER_PHRASES },
    vadForCall: () => silero.forCall(),
  });
  ({ api } = await newAccount(gateway.url, "e2e"));
  ({ id: serviceId, token } = await newService(api, { name: "Pizza", botUrl: `${bot.url}/bot/{conversation}`, botToken: "bot-secret" }));
}, 90_000);

// Each test's calls are over in the agent too (their sessions closed, their bridges shut), not only on the line.
afterEach(async () => {
  await waitFor(() => local.calls.size === 0, 10_000, `every call over in the agent (${local.calls.size} left)`);
});

afterAll(async () => {
  await local?.close();
  await bot?.close();
  await gateway?.stop();
  if (gatewayOptions) await rm(gatewayOptions.persistTo, { recursive: true, force: true });
});

async function connect() {
  const caller = new LocalCaller(local.url, await phoneTicket(serviceId));
  await caller.opened;
  const started = await waitFor(() => caller.event("started"), 15_000, "started").catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(caller.events)}`); });
  return { caller, conversation: started.conversation as string };
}

describe("voice end to end (offline speech, real gateway)", () => {
  it("a conversation: the bot's greeting is heard, the caller's words reach the bot, its reply is heard, the bot ends the call", async () => {
    const { caller, conversation } = await connect();
    // The call starts with a `new` message to the bot, which greets the caller.
    const opening = await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    expect(opening[0]!.message).toMatchObject({ new: "true", body: "", conversation, from: "+442071838750" });
    const greetedAt = performance.now();
    await botSays(conversation, "Thank you for calling.");
    expect(await transcribe(await heardUntilQuiet(caller, greetedAt), BOT_PHRASES)).toBe("thank you for calling");

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
    const heard = await heardUntilQuiet(caller, t0);
    expect(heard.length / 24_000).toBeGreaterThan(1.2);
    expect(heard.length / 24_000).toBeLessThan(4);
    expect(rms(heard)).toBeGreaterThan(0.03);
    expect(await transcribe(heard, BOT_PHRASES)).toBe("we are open until ten tonight");

    await botSays(conversation, "Your table is booked. Goodbye.", true);
    await caller.closed;
    expect(caller.event("ended")?.reason).toBe("bot_ended");
    expect(JSON.stringify(await record(conversation))).toMatch(/ended|finished|over/);
  });

  it("per-turn latency: a bot that thinks 700 ms shows that think time (within ±20 ms on an idle machine), and the spans add up to the gap the caller heard", async () => {
    const THINK_MS = 700;
    // A bot in its own process that answers each message at once and sends its reply THINK_MS after it arrived.
    const thinking = spawn(process.execPath, [join(import.meta.dirname, "../support/thinking-bot.mjs")], {
      env: { ...process.env, GATEWAY_URL: gateway.url, THINK_MS: String(THINK_MS), REPLY: "We are open until ten tonight." },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines: any[] = [];
    let caller: LocalCaller | undefined;
    createInterface({ input: thinking.stdout! }).on("line", (line) => lines.push(JSON.parse(line)));
    try {
      const { port } = await waitFor(() => lines[0], 10_000, "the thinking bot to listen");
      const svc = await newService(api, { name: "Thinker", botUrl: `http://127.0.0.1:${port}/bot` });
      thinking.stdin!.write(`${svc.token}\n`);
      const metrics = await startMetricsServer(0, "127.0.0.1");
      const scrape = async () => await (await fetch(metrics.url)).text();
      const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"+]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
      const before = await scrape();
      caller = new LocalCaller(local.url, await phoneTicket(svc.id));
      const started = await waitFor(() => caller!.event("started"), 15_000, "started");
      // Scraped during the call: it is counted as active.
      expect(value(await scrape(), "phonemybot_agent_active_calls")).toBe(value(before, "phonemybot_agent_active_calls") + 1);
      const words = speech("what time do you open");
      const saidAt = performance.now();
      await caller.say(words);
      // When the voice ended, as the caller knows it: the speech's last voiced frame.
      let lastVoiced = words.length - 320;
      while (lastVoiced > 0 && rms(words.subarray(lastVoiced, lastVoiced + 320)) <= 0.02) lastVoiced -= 320;
      const voiceEndedAt = saidAt + (lastVoiced + 320) / 16;
      const reply = await waitFor(() => caller!.events.find((e) => e.type === "bot"), 20_000, "the reply");
      const firstAudio = await waitFor(() => caller!.audio.find((a) => a.at >= caller!.timeOf(reply)), 10_000, "the reply's audio");
      await heardUntilQuiet(caller, firstAudio.at);

      const call = await poll(
        () => record(started.conversation),
        (c) => c.turns.some((t) => t.playbackEndedAt !== null),
        "the turn's playout on the call record",
      );
      const turns = call.turns;
      const turn = turns.find((t) => call.messages[t.message]!.body === "what time do you open")!;
      expect(call.messages[turn.reply!]!.body).toBe("We are open until ten tonight.");
      // The bot's own measure of how long it waited (its timer may fire a little late), then the gateway's.
      const { arrived, sent } = lines.find((l) => l.conversation === started.conversation);
      expect(sent - arrived).toBeGreaterThanOrEqual(THINK_MS);
      // The bot's span runs from the post to the bot (stamped as the fetch leaves) to its reply reaching the Worker
      // (stamped at the Worker's entry, worker/arrival.ts): the bot's wait, plus the loopback hop each way. Through
      // `wrangler dev` the way back also crosses wrangler's proxy worker (another workerd process), 3–10 ms idle.
      // On a busy machine workerd and the bot's process get to the hops later still (593 ms was seen at 9 per core).
      // The issue's ±20 ms holds on an idle machine (16 and 18 ms off seen); the two hops alone took 22 ms at 0.5 per
      // core in a CI run, so a machine that is not idle gets ±40 ms.
      const hopToBot = arrived - Date.parse(turn.postedAt!);
      const hopBack = Date.parse(turn.replyAt!) - sent;
      const loadPerCore = loadavg()[0]! / availableParallelism();
      const tolerance = loadPerCore > 2 ? 250 : loadPerCore > 0.75 ? 100 : loadPerCore > 0.25 ? 40 : 20;
      console.warn(`think time: bot span ${turn.spans.bot} ms, the bot waited ${sent - arrived} ms (hop to the bot ${hopToBot} ms, back ${hopBack} ms); load ${loadPerCore.toFixed(2)} per core, checked within ±${tolerance} ms`);
      expect(Math.abs(turn.spans.bot! - (sent - arrived)), `bot ${turn.spans.bot} ms, waited ${sent - arrived} ms`).toBeLessThanOrEqual(tolerance);
      for (const span of ["stt", "agent", "gateway", "tts", "gap"] as const) expect(turn.spans[span], span).toEqual(expect.any(Number));
      const { stt, agent, gateway: ours, bot: think, tts, gap } = turn.spans as { [span in keyof typeof turn.spans]: number };
      expect(stt + agent + ours + think + tts, JSON.stringify(turn)).toBeCloseTo(gap, -1);
      // The gap the call record shows is the silence the caller heard, within what the VAD's and the pacing's grain allow.
      const heardGap = firstAudio.at - voiceEndedAt;
      expect(Math.abs(gap - heardGap)).toBeLessThan(250);
      expect(turn.interrupted).toBe(false);
      expect(Date.parse(turn.playbackEndedAt!)).toBeGreaterThan(Date.parse(turn.firstAudioAt!));
      // The greeting turn (`new`) has the bot's answer but no reply.
      expect(turns[0]).toMatchObject({ message: 0, reply: null, speechEndedAt: null });
      // The agent's metrics, still during the call: one more turn, and each span of it in the histograms.
      const during = await scrape();
      expect(value(during, "phonemybot_agent_active_calls")).toBe(value(before, "phonemybot_agent_active_calls") + 1);
      expect(value(during, "phonemybot_agent_turns_total")).toBe((value(before, "phonemybot_agent_turns_total") || 0) + 1);
      for (const span of ["stt", "reply_wait", "tts", "gap"]) {
        const count = `phonemybot_agent_turn_span_seconds_count{span="${span}"}`;
        expect(value(during, count), span).toBe((value(before, count) || 0) + 1);
      }
      const gapSum = `phonemybot_agent_turn_span_seconds_sum{span="gap"}`;
      expect(value(during, gapSum) - (value(before, gapSum) || 0)).toBeGreaterThan((THINK_MS - 50) / 1000);
      // Offline, Silero hears every window of the caller's audio: at least the utterance's ran through the model.
      const ran = 'phonemybot_agent_vad_windows_total{model="run"}';
      expect(value(during, ran) - (value(before, ran) || 0)).toBeGreaterThan(20);
      expect(during).toMatch(/^phonemybot_agent_bridge_reconnects_total \d+$/m);
      expect(during).toMatch(/^# TYPE phonemybot_agent_speech_errors_total counter$/m);
      await metrics.close();
    } finally {
      if (caller && caller.ws.readyState === caller.ws.OPEN) {
        caller.hangUp();
        await caller.closed;
      }
      thinking.kill();
    }
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
    const { demo, session } = await demoWithTestSession("Demo");
    const pin = session.pin;
    const wrong = pin === "0000" ? "1111" : "0000";
    const caller = new LocalCaller(local.url, await phoneTicket(demo.id));
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    expect(started.testMode).toBe(true);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /PIN/.test(e.text)), 5000, "PIN prompt");
    caller.keys(wrong);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /not right/.test(e.text)), 10_000, "wrong-PIN prompt");
    caller.keys(pin);
    await waitFor(() => caller.events.find((e) => e.type === "bot" && /connected/.test(e.text)), 10_000, "connected");
    expect(await testSessionState(demo.id, session.id)).toMatchObject({ state: "connected", conversation: started.conversation });
    caller.hangUp();
    await caller.closed;
  });

  it("barge-in: the caller talking over a long reply stops it; the bot gets the words, the call record what was heard", async () => {
    const long =
      "Our menu today has tomato soup, grilled salmon with potatoes, a mushroom risotto, chocolate cake and apple pie. " +
      "We are open every day from noon until eleven at night. We also deliver to your door within thirty minutes. " +
      "Would you like to book a table for this evening?";
    const { caller, conversation } = await connect();
    const t0 = performance.now();
    await botSays(conversation, long);
    const first = await waitFor(() => caller.audio.find((a) => a.at >= t0), 15_000, "the reply's audio");
    await sleep(1000 - (performance.now() - first.at));
    const words = speech("stop i want the salmon");
    const saidAt = performance.now();
    const voiceAt = saidAt + voiceOnsetMs(words);
    const said = caller.say(words);

    // The bot stops (pauses on the VAD, then is cut for good by the words) soon after the voice starts.
    const clear = await waitFor(() => caller.event("clear"), 10_000, "clear");
    expect(caller.timeOf(clear)).toBeGreaterThan(saidAt); // nothing was cleared before the caller spoke
    expect(caller.timeOf(clear) - voiceAt).toBeLessThan(1000);
    const interrupted = await waitFor(() => caller.event("interrupted"), 20_000, "interrupted").catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(caller.events)}`); });
    await said;
    expect(interrupted.id).toEqual(expect.any(Number));
    expect(interrupted.spokenText.length).toBeGreaterThan(0);
    expect(long.startsWith(interrupted.spokenText)).toBe(true);
    expect(interrupted.spokenText.length).toBeLessThan(long.length / 2);

    // The pause held until the words cut the reply (no resuming over the caller), nothing came after the cut, and
    // what was heard is a fraction of the reply.
    await sleep(1500);
    expect(caller.heardSince(caller.timeOf(clear)).length / 24_000).toBeLessThan(0.5);
    expect(caller.audio.filter((a) => a.at >= caller.timeOf(interrupted))).toHaveLength(0);
    const heard = caller.heardSince(t0).length / 24_000;
    expect(heard).toBeGreaterThan(0.8);
    expect(heard).toBeLessThan(espeakSeconds(long) / 2);
    expect(caller.events.filter((e) => e.type === "bot").map((e) => e.text)).toEqual([long]);

    // The bot gets the caller's words; the gateway does not tell the bot what was cut off, it keeps it on the call record.
    const final = caller.events.find((e) => e.type === "caller" && e.final);
    expect(final?.text).toBe("stop i want the salmon");
    await poll(() => received(conversation), (l) => l.some((r) => r.message.body === "stop i want the salmon"), "the bot got the barge-in words");
    const call = await poll(
      () => record(conversation),
      (c) => c.messages.some((m) => m.direction === "from_bot" && m.spokenText !== undefined),
      "the spoken part on the call record",
    );
    const reply = call.messages.filter((m) => m.direction === "from_bot");
    expect(reply).toEqual([expect.objectContaining({ body: long, spokenText: interrupted.spokenText })]);
    expect(call.messages.filter((m) => m.direction === "to_bot").map((m) => m.body)).toContain("stop i want the salmon");
    caller.hangUp();
    await caller.closed;
  });

  it("test mode: three wrong PINs are asked again twice, then the agent says goodbye and hangs up", async () => {
    const { demo, session } = await demoWithTestSession("Demo 3");
    const wrong = ["0000", "1111", "2222", "3333"].filter((p) => p !== session.pin).slice(0, 3);
    const caller = new LocalCaller(local.url, await phoneTicket(demo.id));
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    expect(started.testMode).toBe(true);
    const said = () => caller.events.filter((e) => e.type === "bot");
    await waitFor(() => said().length === 1, 10_000, "PIN prompt");
    for (const [i, pin] of wrong.slice(0, 2).entries()) {
      caller.keys(pin);
      await waitFor(() => said().filter((e) => e.text === PROMPTS.pinWrong).length === i + 1, 15_000, `wrong-PIN prompt ${i + 1}`);
    }
    // Let the second prompt finish, so that what comes after the last PIN is the goodbye alone.
    await heardUntilQuiet(caller, caller.timeOf(said().at(-1)!));
    const t = performance.now();
    caller.keys(wrong[2]!);
    await waitFor(() => caller.ws.readyState === caller.ws.CLOSED, 20_000, "the agent to hang up");
    expect(caller.event("ended")?.reason).toBe("pin_failed");
    expect(said().map((e) => e.text)).toEqual([PROMPTS.pinRequest, PROMPTS.pinWrong, PROMPTS.pinWrong, PROMPTS.pinGoodbye]);

    const goodbye = caller.heardSince(t);
    expect(goodbye.length / 24_000).toBeGreaterThan(0.6 * espeakSeconds(PROMPTS.pinGoodbye));
    expect(goodbye.length / 24_000).toBeLessThan(1.5 * espeakSeconds(PROMPTS.pinGoodbye));
    expect(rms(goodbye)).toBeGreaterThan(0.03);
    const phrases = [PROMPTS.pinWrong, PROMPTS.pinGoodbye, PROMPTS.pinOk, PROMPTS.stillThere];
    expect(await transcribe(goodbye, phrases)).toBe(normalizePhrase(PROMPTS.pinGoodbye));

    expect(await testSessionState(demo.id, session.id)).toMatchObject({ state: "waiting", conversation: null });
    const call = await poll(() => record(started.conversation), (c) => c.state === "ended", "the call to end");
    expect(call.endReason).toBe("pin_failed");
    expect(call.messages.some((m) => m.direction === "from_bot")).toBe(false);
  });

  it("a silent bot: the caller hears \"One moment, please.\" after the no-reply timeout", async () => {
    const { caller, conversation } = await connect();
    await caller.say(speech("what time do you open"));
    const words = await waitFor(() => caller.events.find((e) => e.type === "caller" && e.final), 15_000, "final transcript");
    expect(words.text).toBe("what time do you open");
    await poll(() => received(conversation), (l) => l.some((r) => r.message.body === "what time do you open"), "the bot got the words");
    const prompt = await waitFor(() => caller.events.find((e) => e.type === "bot"), NO_REPLY_MS + 20_000, "the still-there prompt");
    expect(prompt).toMatchObject({ id: null, text: PROMPTS.stillThere });
    const waited = caller.timeOf(prompt) - caller.timeOf(words);
    expect(waited).toBeGreaterThan(NO_REPLY_MS - 100);
    expect(waited).toBeLessThan(NO_REPLY_MS + 15_000);

    const heard = await heardUntilQuiet(caller, caller.timeOf(words));
    expect(caller.audio.filter((a) => a.at >= caller.timeOf(words) && a.at < caller.timeOf(prompt))).toHaveLength(0);
    expect(heard.length / 24_000).toBeGreaterThan(0.6 * espeakSeconds(PROMPTS.stillThere));
    expect(heard.length / 24_000).toBeLessThan(1.5 * espeakSeconds(PROMPTS.stillThere) + 0.5);
    expect(rms(heard)).toBeGreaterThan(0.03);
    expect(await transcribe(heard, [PROMPTS.stillThere, PROMPTS.deliveryFailed, PROMPTS.pinWrong, ...BOT_PHRASES])).toBe("one moment please");
    // The prompt is the agent's own: it is not a bot message on the call record.
    expect((await record(conversation)).messages.some((m) => m.direction === "from_bot")).toBe(false);
    caller.hangUp();
    await caller.closed;
  }, NO_REPLY_MS + 60_000);

  it("a bot that cannot be reached: when a message fails for good, the caller hears an apology", async () => {
    const failing = await newService(api, { name: "Down", botUrl: `${bot.url}/bot/{conversation}?status=500`, botToken: "bot-secret" });
    const caller = new LocalCaller(local.url, await phoneTicket(failing.id));
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    // The call's first message (`new`) is refused with 500 on every try (retries after 200 and 400 ms in this file).
    const apology = await waitFor(() => caller.events.find((e) => e.type === "bot"), 20_000, "the apology");
    expect(apology).toMatchObject({ id: null, text: PROMPTS.deliveryFailed });
    const heard = await heardUntilQuiet(caller, caller.timeOf(apology));
    expect(rms(heard)).toBeGreaterThan(0.03);
    expect(await transcribe(heard, [PROMPTS.deliveryFailed, PROMPTS.stillThere, PROMPTS.pinWrong, ...BOT_PHRASES])).toBe(normalizePhrase(PROMPTS.deliveryFailed));
    expect((await record(started.conversation)).messages[0]).toMatchObject({ direction: "to_bot", delivery: "failed" });
    caller.hangUp();
    await caller.closed;
  });

  it("a transfer by hints: the caller hears the body, then the call ends as transferred; the bot gets last with the event", async () => {
    const transferring = await api.PATCH("/api/v1/services/{id}", {
      params: { path: { id: serviceId } },
      body: { transferDestinations: ["+1415"], transferFailedMessage: "Thank you for calling." },
    });
    expect(transferring.response.status).toBe(200);
    token = transferring.data!.token;
    const { caller, conversation } = await connect();
    const t0 = performance.now();
    const hints = JSON.stringify({ telephony: { action: "transfer", info: { called: "+14155550100" } } });
    const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${token}` },
      body: JSON.stringify({ conversation, body: "Please hold the line.", hints }),
    });
    expect(await res.json()).toEqual({ success: true, reason: "delivered" });

    const transfer = await waitFor(() => caller.event("transfer"), 20_000, "the transfer");
    expect(transfer).toEqual({ type: "transfer", to: "+14155550100", result: "transferred" });
    // Everything the caller heard came before the transfer, and it was the body.
    const heard = caller.heardSince(t0);
    expect(caller.audio.filter((a) => a.at >= t0).at(-1)!.at).toBeLessThanOrEqual(caller.timeOf(transfer));
    expect(await transcribe(heard, BOT_PHRASES)).toBe("please hold the line");
    await caller.closed;
    expect(caller.event("ended")?.reason).toBe("transferred");

    const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.last === "true"), "the bot told of the transfer");
    expect(JSON.parse(String(log.at(-1)!.message.hints))).toEqual({ telephony: { event: "transferred", called: "+14155550100" } });
    expect(await record(conversation)).toMatchObject({ state: "ended", endReason: "transferred", transfer: { to: "+14155550100", result: "transferred" } });
  });

  it("a transfer to the busy test range: the caller hears the failure sentence and the call goes on", async () => {
    const { caller, conversation } = await connect();
    const t0 = performance.now();
    await botSays(conversation, `One moment. <transfer referto="+14155550486", timeoutms="20000"/>`);
    const transfer = await waitFor(() => caller.event("transfer"), 20_000, "the transfer");
    expect(transfer).toEqual({ type: "transfer", to: "+14155550486", result: "busy" });
    const sorry = await waitFor(() => caller.events.find((e) => e.type === "bot" && e.text === "Thank you for calling."), 10_000, "the failure sentence");
    expect(caller.timeOf(sorry)).toBeGreaterThanOrEqual(caller.timeOf(transfer));
    const heard = await heardUntilQuiet(caller, caller.timeOf(sorry));
    expect(await transcribe(heard, BOT_PHRASES)).toBe("thank you for calling");
    const log = await poll(() => received(conversation), (l) => l.some((r) => typeof r.message.hints === "string"), "the bot told of the failure");
    expect(JSON.parse(String(log.at(-1)!.message.hints))).toEqual({
      telephony: { event: "transfer_failed", called: "+14155550486", sipStatus: 486, reason: "busy" },
    });
    expect(await record(conversation)).toMatchObject({
      state: "active",
      transfer: { to: "+14155550486", result: "busy" },
    });
    expect(caller.heardSince(t0).length).toBeGreaterThan(0);
    caller.hangUp();
    await caller.closed;
  });

  it("a call the bot started, answered with audio through the local transport: the callee hears the body, and their words reach the bot", async () => {
    const outbound = await outboundService();
    const conversation = `outbound-e2e-${Date.now()}`;
    expect(await botStarts(outbound.token, conversation, "Thank you for calling.")).toEqual({ success: true, reason: "delivered" });
    const ringing = await api.GET("/api/v1/services/{id}/calls", { params: { path: { id: outbound.id }, query: { state: "ringing" } } });
    expect(ringing.data).toEqual([expect.objectContaining({ conversation, state: "ringing", direction: "outbound" })]);

    // The simulated phone answers with audio: a ticket for the local agent that joins the ringing call.
    const answer = await api.POST("/api/v1/calls/{conversation}/voice-answer", { params: { path: { conversation } } });
    expect(answer.response.status).toBe(201);
    const ticket = answer.data!.mode === "local" ? answer.data!.ticket : "";
    const t0 = performance.now();
    const caller = new LocalCaller(local.url, ticket);
    const started = await waitFor(() => caller.event("started"), 15_000, "started");
    expect(started.conversation).toBe(conversation);
    expect(await transcribe(await heardUntilQuiet(caller, t0), BOT_PHRASES)).toBe("thank you for calling");
    expect(await record(conversation)).toMatchObject({ state: "active", direction: "outbound" });

    await caller.say(speech("yes please"));
    const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.body === "yes please"), "the callee's words at the bot");
    // The bot started the call: it gets no `new`, and the callee's words are its first message.
    expect(log[0]!.message).toMatchObject({ body: "yes please", new: "false", to: "+33142685300", from: outbound.number, conversation });

    await botSays(conversation, "Goodbye.", true, outbound.token);
    await caller.closed;
  });

  it("a call the bot started and the simulated phone declines: the bot gets last with call_failed, 603", async () => {
    const outbound = await outboundService();
    const conversation = `declined-e2e-${Date.now()}`;
    expect((await botStarts(outbound.token, conversation, "Thank you for calling.")).reason).toBe("delivered");
    expect((await api.POST("/api/v1/calls/{conversation}/decline", { params: { path: { conversation } } })).response.status).toBe(200);
    const log = await poll(() => received(conversation), (l) => l.length > 0, "the bot's call_failed");
    expect(log[0]!.message).toMatchObject({ last: "true", body: "" });
    expect(JSON.parse(log[0]!.message.hints as string)).toEqual({ telephony: { event: "call_failed", sipStatus: 603, reason: "declined" } });
    // No voice answer for a call that no longer rings.
    expect((await api.POST("/api/v1/calls/{conversation}/voice-answer", { params: { path: { conversation } } })).response.status).toBe(409);
  });

  // Last in this file: it restarts the file's gateway.
  it("the gateway restarted mid-call: the call goes on, what the caller said meanwhile reaches the bot, the bot's reply is heard", async () => {
    // An agent of its own with no "One moment, please." during the restart, which would talk over the reply.
    const patient = await startLocalServer({
      agent: { gatewayUrl: gateway.url, agentSecret: SECRET, noReplyTimeoutMs: 120_000 },
      speech: { offlinePhrases: CALLER_PHRASES },
      vadForCall: () => silero.forCall(),
    });
    try {
      const caller = new LocalCaller(patient.url, await phoneTicket(serviceId));
      const started = await waitFor(() => caller.event("started"), 15_000, "started");
      const conversation = started.conversation as string;
      await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");

      // Every earlier call in this file went through this gateway process: none of its socket handlers failed.
      expect(gateway.logs()).not.toContain("socket handler failed");
      await gateway.stop();
      await caller.say(speech("what time do you open"));
      await waitFor(() => caller.events.find((e) => e.type === "caller" && e.final), 15_000, "the words, recognized while the gateway is down");
      gateway = await startGateway(gatewayVars, gatewayOptions);

      const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.body === "what time do you open"), "the words at the bot after the restart", 40_000);
      expect(log.filter((r) => r.message.body === "what time do you open")).toHaveLength(1);
      const t0 = performance.now();
      await botSays(conversation, "We are open until ten tonight.");
      expect(await transcribe(await heardUntilQuiet(caller, t0), BOT_PHRASES)).toBe("we are open until ten tonight");
      await botSays(conversation, "Thank you for calling.", true);
      await caller.closed;
      expect(caller.event("ended")?.reason).toBe("bot_ended");
      expect(await record(conversation)).toMatchObject({ state: "ended", endReason: "bot_hangup" });
      expect(gateway.logs()).not.toContain("socket handler failed");
    } finally {
      await patient.close();
    }
  }, 120_000);
});

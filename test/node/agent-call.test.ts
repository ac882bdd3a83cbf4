import { DEFAULT_SETTINGS_VIEW, type ServiceSettingsView } from "../../protocol/service-settings.ts";
import type { VAD } from "@livekit/agents";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, resample, rms, silence } from "../../agent/audio.ts";
import { CallSession, type CallEvent } from "../../agent/call.ts";
import type { GatewayToAgent } from "../../protocol/bridge.ts";
import { PacedAudioOutput, PushAudioInput } from "../../agent/paced-output.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { heardLength, speak, startFakeOpenAI } from "../agent/fake-openai.ts";
import { RecordingSink, Caller, waitFor } from "../agent/helpers.ts";
import { type CallFakes, startCallFakes } from "../agent/call-fakes.ts";
import { TTS_FRAME_MS } from "../../agent/providers/pcm-stream.ts";

/**
 * The call pipeline with the real Deepgram and OpenAI clients against fakes, and a stand-in gateway socket:
 * turns, ordered speech, barge-in, false interruptions, DTMF/PIN, dead air, usage.
 */
let vad: VAD;
let deepgram: CallFakes["deepgram"];
let openai: CallFakes["openai"];
let gateway: CallFakes["gateway"];
let fakes: CallFakes;
const calls: { call: CallSession; caller: Caller }[] = [];

beforeAll(async () => {
  fakes = await startCallFakes();
  ({ vad, deepgram, openai, gateway } = fakes);
});
afterAll(() => fakes.close());
afterEach(async () => {
  for (const { call, caller } of calls.splice(0)) {
    caller.stop();
    await call.callerHangsUp();
  }
});

const lastSpoken = () => openai.requests.at(-1)?.body.input ?? "";
/** Whether the TTS was asked for text matching `re`, at least `times` times, in this call. */
const synthesized = (since: number, re: RegExp, times = 1) => openai.requests.filter((r) => r.at >= since && re.test(r.body.input)).length >= times;
const speech16k = (text: string) => concatSamples([resample(speak(text), 24_000, 16_000), silence(16_000, 100)]);

/** A call through the stand-in gateway, started; `rightBehindStarted` is sent in the same instant as `started`. */
async function newCall(opts: { outbound?: boolean; testMode?: boolean; noReplyTimeoutMs?: number; deepgramUrl?: string; openaiBaseUrl?: string; rightBehindStarted?: GatewayToAgent; settings?: Partial<ServiceSettingsView> } = {}) {
  const input = new PushAudioInput();
  const sink = new RecordingSink();
  const output = new PacedAudioOutput(sink, 24_000);
  const events: CallEvent[] = [];
  let hungUp: string | undefined;
  const call = new CallSession({
    gatewayUrl: gateway.url,
    agentSecret: "agent-secret",
    start: { from: "+442071838750", serviceId: "svc_1", transport: "local", ...(opts.outbound ? { outbound: true } : {}) },
    input,
    output,
    vad,
    speech: { deepgramApiKey: "dg", deepgramUrl: opts.deepgramUrl ?? deepgram.url, openaiApiKey: "sk", openaiBaseUrl: opts.openaiBaseUrl ?? openai.baseURL },
    noReplyTimeoutMs: opts.noReplyTimeoutMs ?? 8000,
    usageIntervalMs: 60_000,
    hangUp: (reason) => (hungUp = reason),
    onEvent: (e) => events.push(e),
  });
  const caller = new Caller(input, 16_000);
  calls.push({ call, caller });
  await waitFor(() => gateway.received.some((r) => r.conversation === call.conversation && r.message.type === "start"), 5000, "start");
  gateway.send(call.conversation, { type: "started", conversation: call.conversation, serviceId: "svc_1", language: "en-US", testMode: opts.testMode ?? false, settings: { ...DEFAULT_SETTINGS_VIEW, ...opts.settings } });
  if (opts.rightBehindStarted) gateway.send(call.conversation, opts.rightBehindStarted);
  await call.ready;
  const sent = (type: string) => gateway.received.filter((r) => r.conversation === call.conversation && r.message.type === type).map((r) => r.message as Record<string, unknown>);
  return { call, caller, input, output, sink, events, sent, hungUp: () => hungUp };
}

describe("call pipeline (Deepgram + OpenAI fakes, stand-in gateway)", () => {
  it("sends the caller's final turn, speaks the bot's messages in order, and hangs up after `last`", async () => {
    const c = await newCall();
    deepgram.push("I would like to book a table.");
    await c.caller.say(speech16k("i would like to book a table"));
    const [transcript] = await waitFor(() => c.sent("transcript").length > 0 && c.sent("transcript"), 8000, "transcript");
    expect(transcript).toEqual({ type: "transcript", text: "I would like to book a table.", turn: 1, timing: expect.any(Object) });
    // The turn's times: the VAD's end of speech before the final transcript, both before it was sent (no clock offset: the
    // stand-in gateway answers no probes).
    const timing = (transcript as { timing: { speechEndedAt: number; transcribedAt: number } }).timing;
    expect(timing.speechEndedAt).toBeLessThanOrEqual(timing.transcribedAt);
    expect(timing.transcribedAt).toBeLessThanOrEqual(Date.now());
    expect(c.events.some((e) => e.type === "caller" && !e.final)).toBe(true); // interim results reached the session

    const t0 = performance.now();
    gateway.send(c.call.conversation, { type: "say", id: 1, body: "Certainly.", last: false });
    gateway.send(c.call.conversation, { type: "say", id: 2, body: "For how many people?", last: false });
    gateway.send(c.call.conversation, { type: "say", id: 3, body: "Goodbye.", last: true });
    const reason = await c.call.done;
    expect(reason).toBe("bot_ended");
    expect(c.hungUp()).toBe("bot_ended");
    const inputs = openai.requests.filter((r) => r.at >= t0 - 5).map((r) => r.body.input);
    expect(inputs).toEqual(["Certainly.", "For how many people?", "Goodbye."]);
    const heard = c.sink.samplesSince(t0);
    const expected = ["Certainly.", "For how many people?", "Goodbye."].reduce((n, t) => n + heardLength(t), 0);
    expect(heard.length).toBe(expected); // every sample of the three replies reached the caller
    expect(rms(heard)).toBeGreaterThan(0.03);
    expect(c.sent("finished")).toHaveLength(1);
    // Each message's playout: got, first audio, end, in order; the next one's first audio comes as this one ends.
    const playouts = c.sent("playout") as { id: number; receivedAt: number; firstAudioAt: number; endedAt: number; interrupted: boolean }[];
    expect(playouts.map((p) => [p.id, p.interrupted])).toEqual([[1, false], [2, false], [3, false]]);
    for (const p of playouts) expect(p.receivedAt <= p.firstAudioAt && p.firstAudioAt < p.endedAt).toBe(true);
    const firstLength = (heardLength("Certainly.") / 24_000) * 1000;
    expect(playouts[1]!.firstAudioAt - playouts[0]!.firstAudioAt).toBeGreaterThan(firstLength - 100);
    expect(playouts[1]!.firstAudioAt - playouts[0]!.firstAudioAt).toBeLessThan(firstLength + 300);
    const usage = c.sent("usage");
    expect(usage.length).toBeGreaterThan(0);
    expect(usage.reduce((n, u) => n + (u.ttsCharacters as number), 0)).toBe("Certainly.For how many people?Goodbye.".length);
    expect(usage.reduce((n, u) => n + (u.sttSeconds as number), 0)).toBeGreaterThan(1);
  });

  it("speaks a greeting that arrives right behind `started`, before the session has finished starting", async () => {
    // A bot that answers the call's `new` message at once: its greeting can reach the agent in the same instant.
    const c = await newCall({ rightBehindStarted: { type: "say", id: 1, body: "Hello, how can I help?", last: false } });
    await waitFor(() => c.sink.samplesSince(0).length >= heardLength("Hello, how can I help?"), 10_000, "the greeting played");
    expect(c.events.filter((e) => e.type === "ended")).toEqual([]);
    expect(c.events.find((e) => e.type === "bot")).toMatchObject({ id: 1, text: "Hello, how can I help?" });
  });

  it("the service's greeting plays on a call the caller made, not on one the bot started (its first message is there)", async () => {
    const greeting = "Please hold the line.";
    const inbound = await newCall({ settings: { greeting } });
    await waitFor(() => inbound.events.find((e) => e.type === "bot"), 5000, "the greeting");
    expect(inbound.events.find((e) => e.type === "bot")).toMatchObject({ id: null, text: greeting });
    await waitFor(() => synthesized(0, /Please hold the line/), 5000, "the greeting synthesized");
    await inbound.call.callerHangsUp();

    const since = performance.now();
    const outbound = await newCall({ outbound: true, settings: { greeting }, rightBehindStarted: { type: "say", id: 1, body: "Hello, this is your pharmacy.", last: false } });
    await waitFor(() => outbound.sink.samplesSince(since).length >= heardLength("Hello, this is your pharmacy."), 10_000, "the bot's first message played");
    expect(outbound.events.filter((e) => e.type === "bot")).toEqual([{ type: "bot", id: 1, text: "Hello, this is your pharmacy." }]);
    expect(synthesized(since, /Please hold the line/)).toBe(false);
  });

  it("a bot message's <context name> and key terms tune Deepgram for the caller's next utterance only; a message with only a context too", async () => {
    const before = deepgram.connections.length;
    const c = await newCall();
    const conn = await waitFor(() => deepgram.connections[before], 5000, "the call's Deepgram connection");
    expect(conn.query.get("model")).toMatch(/^nova-3/);
    gateway.send(c.call.conversation, { type: "say", id: 5, body: 'What is your account number? <context name="digits"/><context name="horoscope"/>', last: false, keyterms: ["Acme"] });
    await waitFor(() => conn.configures.length === 1, 5000, "Configure");
    expect(conn.configures[0]).toEqual({ type: "Configure", keyterms: ["Acme", "zero", "oh", "double", "triple"], features: { numerals: true } });
    expect(c.events.find((e) => e.type === "bot")).toMatchObject({ id: 5, text: "What is your account number?" });
    deepgram.push("4271");
    await c.caller.say(speech16k("four two seven one"));
    await waitFor(() => c.sent("transcript").length > 0, 8000, "the caller's answer");
    expect(c.sent("transcript")[0]).toMatchObject({ text: "4271" });
    await waitFor(() => conn.configures.length === 2, 5000, "Configure back");
    expect(conn.configures[1]).toEqual({ type: "Configure", keyterms: [], features: { numerals: false } });

    gateway.send(c.call.conversation, { type: "say", id: 6, body: '<context name="yes_no"/>', last: false });
    await waitFor(() => conn.configures.length === 3, 5000, "Configure for a message with only a context");
    expect(conn.configures[2]).toEqual({ type: "Configure", keyterms: ["yes", "no", "yeah", "nope", "correct"] });
    expect(conn.configureFailures).toEqual([]);
  });

  it("barge-in: the caller's words stop playback and report what was spoken", async () => {
    const c = await newCall();
    const long = "Our menu today has tomato soup, grilled salmon with potatoes, a mushroom risotto, chocolate cake and apple pie, and we are open until eleven at night.";
    gateway.send(c.call.conversation, { type: "say", id: 7, body: long, last: false });
    await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
    await new Promise((r) => setTimeout(r, 1500));
    deepgram.push("Stop, I want the salmon.");
    const spoke = performance.now();
    await c.caller.say(speech16k("stop i want the salmon"));
    const [interrupted] = await waitFor(() => c.sent("interrupted").length > 0 && c.sent("interrupted"), 8000, "interrupted");
    expect(interrupted!.id).toBe(7);
    const spoken = String(interrupted!.spokenText);
    expect(spoken.length).toBeGreaterThan(0);
    expect(long.startsWith(spoken)).toBe(true);
    expect(spoken.length).toBeLessThan(long.length);
    // Playback stopped: the first clear came within 600 ms of the caller starting to speak (the VAD needs ~64 ms of speech).
    const stop = c.sink.clears.find((t) => t >= spoke)!;
    expect(stop - spoke).toBeLessThan(600);
    // Paused, then cut for good by the words: nothing of the reply was played in between (the framework resumes the
    // output just before clearing it; the output's resume grace keeps that silent).
    const cut = c.sink.clears.at(-1)!;
    expect(c.sink.chunks.filter((chunk) => chunk.at > stop && chunk.at <= cut)).toEqual([]);
    const total = heardLength(long);
    expect(c.sink.samplesSince(0).length).toBeLessThan(total);
    await waitFor(() => c.sent("transcript").length > 0, 5000, "the barge-in turn");
    // Timed in the agent: the VAD's detection → the output stopped (a window of audio at most, unless the loop lags).
    const timed = c.events.filter((e) => e.type === "barge_in");
    expect(timed).toHaveLength(1);
    expect(timed[0]).toMatchObject({ detectedToStoppedMs: expect.any(Number) });
    expect((timed[0] as { detectedToStoppedMs: number }).detectedToStoppedMs).toBeLessThan(stop - spoke);

    // A second barge-in on the same call is timed too.
    await new Promise((r) => setTimeout(r, 1000));
    gateway.send(c.call.conversation, { type: "say", id: 8, body: long, last: false });
    await waitFor(() => c.sink.chunks.some((chunk) => chunk.at > cut + 1500), 8000, "the second reply playing");
    deepgram.push("Wait.");
    await c.caller.say(speech16k("wait"));
    await waitFor(() => c.events.filter((e) => e.type === "barge_in").length === 2, 8000, "the second barge-in timed");
  });

  it("barge-in while the TTS is still producing the reply: only what played counts as spoken", async () => {
    // A TTS that streams barely faster than real time: when the caller speaks, only the first sentence has arrived.
    const slow = await startFakeOpenAI({ chunkDelayMs: 95 });
    try {
      const c = await newCall({ openaiBaseUrl: slow.baseURL });
      const first = "Our menu today has tomato soup, grilled salmon with potatoes and a mushroom risotto.";
      const long = `${first} For dessert we have chocolate cake and apple pie. We are open until eleven at night.`;
      gateway.send(c.call.conversation, { type: "say", id: 9, body: long, last: false });
      await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
      await new Promise((r) => setTimeout(r, 1200));
      deepgram.push("Salmon, please.");
      await c.caller.say(speech16k("salmon please"));
      const [interrupted] = await waitFor(() => c.sent("interrupted").length > 0 && c.sent("interrupted"), 8000, "interrupted");
      const spoken = String(interrupted!.spokenText);
      expect(spoken.length).toBeGreaterThan(0);
      expect(long.startsWith(spoken)).toBe(true);
      // About 1.3 s of a first sentence that lasts about 5 s: a part of it, not most of the reply.
      expect(spoken.length).toBeLessThan(first.length);
    } finally {
      await slow.close();
    }
  });

  it.each([
    ["a cough (no words)", ""],
    ["a \"mm-hmm\"", "Mm-hmm."],
  ])("%s pauses the bot, which then resumes and finishes", async (_what, words) => {
    const c = await newCall();
    const body = "Thank you for calling. We have tables free at seven and at nine this evening.";
    const t0 = performance.now();
    gateway.send(c.call.conversation, { type: "say", id: 3, body, last: false });
    await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
    await new Promise((r) => setTimeout(r, 800));
    // A cough: noise the recognizer finds no words in. A backchannel: a short acknowledgement it does transcribe.
    deepgram.push(words);
    const noise = new Int16Array(16_000 * 0.4).map(() => Math.round((Math.random() - 0.5) * 16_000));
    await c.caller.say(words ? speech16k("mm hmm") : concatSamples([speech16k("ah"), noise]));
    await new Promise((r) => setTimeout(r, 3500));
    await waitFor(() => c.events.some((e) => e.type === "bot") && c.output.pendingPlayoutSegments === 0, 15_000, "playout");
    expect(c.sent("interrupted")).toHaveLength(0);
    expect(c.sent("transcript")).toHaveLength(0);
    const sentences = openai.requests.filter((r) => r.at >= t0 && body.includes(r.body.input)).map((r) => r.body.input);
    expect(sentences.join(" ")).toBe(body);
    // The bot paused (its audio was cleared), then played everything; what was buffered at the far end when it
    // paused is sent again on resume, whole frames: at most the 60 ms lead, the frame that crossed it, and the one
    // that was partly played.
    expect(c.sink.clears.length).toBeGreaterThan(0);
    // One message: the silence between its sentences stays, the one after its last goes.
    const expected = sentences.slice(0, -1).reduce((n, t) => n + speak(t).length, heardLength(sentences.at(-1)!));
    const heard = c.sink.samplesSince(0).length;
    expect(heard).toBeGreaterThanOrEqual(expected);
    expect(heard).toBeLessThanOrEqual(expected + c.sink.clears.length * 24 * (60 + 2 * TTS_FRAME_MS));
  });

  it("test mode: asks for the PIN, sends it, asks again when wrong, says goodbye after three", async () => {
    const t0 = performance.now() - 1;
    const c = await newCall({ testMode: true });
    await waitFor(() => synthesized(t0, /four digit PIN/), 3000, "PIN prompt");
    c.call.dtmf("12");
    c.call.dtmf("34");
    await waitFor(() => c.sent("pin").length === 1, 3000, "pin");
    expect(c.sent("pin")[0]).toEqual({ type: "pin", pin: "1234" });
    gateway.send(c.call.conversation, { type: "pin_result", ok: false, attemptsLeft: 2 });
    await waitFor(() => synthesized(t0, /not right/), 3000, "wrong-PIN prompt");
    c.call.dtmf("5678");
    await waitFor(() => c.sent("pin").length === 2, 3000, "second pin");
    gateway.send(c.call.conversation, { type: "pin_result", ok: false, attemptsLeft: 1 });
    await waitFor(() => c.events.filter((e) => e.type === "bot" && e.text.includes("not right")).length === 2, 3000, "second wrong-PIN prompt");
    c.call.dtmf("9999");
    await waitFor(() => c.sent("pin").length === 3, 3000, "third pin");
    gateway.send(c.call.conversation, { type: "pin_result", ok: false, attemptsLeft: 0 });
    expect(await c.call.done).toBe("pin_failed");
    expect(synthesized(t0, /Goodbye/)).toBe(true);
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup", reason: "pin_failed" }]);
    expect(c.sent("dtmf")).toHaveLength(0);
  });

  it("test mode: the right PIN connects; keys then go to the bot as dtmf", async () => {
    const t0 = performance.now() - 1;
    const c = await newCall({ testMode: true });
    c.call.dtmf("4321");
    await waitFor(() => c.sent("pin").length === 1, 3000, "pin");
    gateway.send(c.call.conversation, { type: "pin_result", ok: true, attemptsLeft: 0 });
    await waitFor(() => synthesized(t0, /connected/), 3000, "connected prompt");
    c.call.dtmf("1#");
    await waitFor(() => c.sent("dtmf").length === 1, 3000, "dtmf");
    expect(c.sent("dtmf")[0]).toEqual({ type: "dtmf", digits: "1#" });
  });

  it("no dead air: a silent bot and a failed delivery are both covered", async () => {
    const c = await newCall({ noReplyTimeoutMs: 1000 });
    deepgram.push("Are you there?");
    await c.caller.say(speech16k("are you there"));
    await waitFor(() => c.sent("transcript").length > 0, 8000, "transcript");
    const sentAt = performance.now();
    await waitFor(() => lastSpoken() === "One moment, please." && openai.requests.at(-1)?.at, 4000, "still-there prompt");
    expect(openai.requests.at(-1)!.at - sentAt).toBeGreaterThan(900);
    const failedAt = performance.now();
    gateway.send(c.call.conversation, { type: "delivery_failed" });
    // Synthesized a sentence at a time: the prompt's first sentence, whichever request is the last by then.
    await waitFor(() => synthesized(failedAt, /^Sorry, something went wrong/), 4000, "failure prompt");
  });

  it("the caller hanging up tells the gateway", async () => {
    const c = await newCall();
    await c.call.callerHangsUp();
    expect(await c.call.done).toBe("caller_hangup");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup" }]);
  });
});

describe("provider connections that fail mid-call", () => {
  it("Deepgram drops mid-utterance: a new connection hears the utterance again and the words reach the bot", async () => {
    const c = await newCall();
    deepgram.push("I would like the salmon, please.");
    const saying = c.caller.say(speech16k("i would like the salmon with potatoes please"));
    await waitFor(() => c.events.some((e) => e.type === "caller" && !e.final), 5000, "an interim result");
    // Earlier calls' connections are closed by now: the open one is this call's.
    const open = deepgram.connections.filter((conn) => !conn.closed);
    expect(open).toHaveLength(1);
    const first = open[0]!;
    deepgram.drop();
    await saying;
    const [transcript] = await waitFor(() => c.sent("transcript").length > 0 && c.sent("transcript"), 10_000, "the transcript after reconnecting");
    expect(transcript).toMatchObject({ type: "transcript", text: "I would like the salmon, please.", turn: 1 });
    expect(first.closed).toBe(true);
    const second = deepgram.connections.at(-1)!;
    expect(second).not.toBe(first);
    expect(second.authorization).toBe("Token dg");
    expect(first.extensions).toBeUndefined(); // no permessage-deflate offered: audio is not worth compressing
    // The new connection first got again everything the dropped one had (nothing was finalized yet), so the whole
    // utterance was recognized, not just its end.
    const dropped = Buffer.concat(first.audio);
    expect(dropped.length).toBeGreaterThanOrEqual(16_000 * 2 * 0.2); // at least the 200 ms of voice behind the interim
    expect(Buffer.concat(second.audio).subarray(0, dropped.length).equals(dropped)).toBe(true);

    // The call goes on: the bot's reply is spoken and the next turn is heard on the new connection.
    gateway.send(c.call.conversation, { type: "say", id: 1, body: "Salmon it is.", last: false });
    await waitFor(() => synthesized(0, /Salmon it is/), 5000, "the reply");
    deepgram.push("Thank you.");
    await c.caller.say(speech16k("thank you"));
    await waitFor(() => c.sent("transcript").length === 2, 10_000, "the next turn");
    expect(c.sent("transcript")[1]).toMatchObject({ type: "transcript", text: "Thank you.", turn: 2 });
    expect(deepgram.connections.at(-1)).toBe(second);
  });

  it("Deepgram gone for good: after its reconnection attempts the call ends instead of going deaf", async () => {
    const doomed = await startFakeDeepgram([]);
    const c = await newCall({ deepgramUrl: doomed.url });
    await waitFor(() => doomed.connections.length === 1, 5000, "connected");
    await doomed.close();
    // Reconnection attempts wait 0, 0.25, 1, 2 and 4 s; then the session fails and the call ends.
    expect(await c.call.done).toBe("speech_failed");
    expect(c.hungUp()).toBe("speech_failed");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup", reason: "speech_failed" }]);
  }, 30_000);

  it("an OpenAI speech response cut mid-stream is requested again and the call goes on", async () => {
    const c = await newCall();
    const t0 = performance.now();
    openai.dropNext(1, 4800 * 3); // after 300 ms of audio
    gateway.send(c.call.conversation, { type: "say", id: 1, body: "Your table for two is booked for eight o'clock.", last: false });
    gateway.send(c.call.conversation, { type: "say", id: 2, body: "Anything else?", last: false });
    await waitFor(() => synthesized(t0, /Anything else/) && c.output.pendingPlayoutSegments === 0 && performance.now() - c.sink.lastWriteAt > 300, 15_000, "both replies played");
    const requested = openai.requests.filter((r) => r.at >= t0).map((r) => r.body.input);
    expect(requested).toEqual(["Your table for two is booked for eight o'clock.", "Your table for two is booked for eight o'clock.", "Anything else?"]);
    // The caller heard the cut-off start, then the whole sentence again, then the next one.
    const full = heardLength("Your table for two is booked for eight o'clock.") + heardLength("Anything else?");
    const heard = c.sink.samplesSince(t0).length;
    expect(heard).toBeGreaterThanOrEqual(full);
    expect(heard).toBeLessThanOrEqual(full + 24_000 * 0.4);
    expect(c.hungUp()).toBeUndefined();
    expect(c.sent("interrupted")).toHaveLength(0);
  });

  it("OpenAI refuses one message (401): the error is reported, that message is skipped and the call goes on", async () => {
    const c = await newCall();
    const errors: { error: unknown; recoverable: boolean }[] = [];
    c.call.speech!.tts.on("error", (e) => errors.push(e));
    const t0 = performance.now();
    openai.refuseNext(1, 401);
    gateway.send(c.call.conversation, { type: "say", id: 1, body: "This one is refused.", last: false });
    await waitFor(() => openai.requests.some((r) => r.at >= t0), 5000, "the refused request");
    gateway.send(c.call.conversation, { type: "say", id: 2, body: "This one is heard.", last: false });
    const expected = heardLength("This one is heard.");
    await waitFor(() => c.sink.samplesSince(t0).length >= expected && performance.now() - c.sink.lastWriteAt > 300, 15_000, "the next reply played");
    // A 401 is not retried: one request for the refused text.
    expect(openai.requests.filter((r) => r.at >= t0).map((r) => r.body.input)).toEqual(["This one is refused.", "This one is heard."]);
    expect(c.sink.samplesSince(t0).length).toBe(expected);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ recoverable: false, error: { statusCode: 401 } });
    expect(c.hungUp()).toBeUndefined();
  });
});

describe("call-control markup in the bot's messages (protocol/markup.ts)", () => {
  it("speaks the text before a <break>, pauses that long, then the rest; no tag is spoken", async () => {
    const c = await newCall();
    const t0 = performance.now();
    const first = "Your table is booked.";
    const rest = "See you at eight.";
    const body = `<speak>Your table is <emphasis level="strong">booked</emphasis>.<break time="1s"/>&lt;prosody rate='slow'&gt;See you at eight.&lt;/prosody&gt;</speak>`;
    gateway.send(c.call.conversation, { type: "say", id: 4, body, last: false });
    const total = heardLength(first) + heardLength(rest);
    await waitFor(() => c.sink.samplesSince(t0).length >= total, 15_000, "both parts played");
    expect(openai.requests.filter((r) => r.at >= t0).map((r) => r.body.input)).toEqual([first, rest]);
    expect(c.events.filter((e) => e.type === "bot")).toEqual([{ type: "bot", id: 4, text: `${first} ${rest}` }]);
    expect(c.sink.samplesSince(t0).length).toBe(total);
    // The silence on the line: from the last frame of the first part to the first of the rest.
    const chunks = c.sink.chunks.filter((chunk) => chunk.at >= t0);
    let samples = 0;
    const lastOfFirst = chunks.findIndex((chunk) => (samples += chunk.frame.samplesPerChannel) >= heardLength(first));
    const pause = chunks[lastOfFirst + 1]!.at - chunks[lastOfFirst]!.at;
    expect(pause).toBeGreaterThanOrEqual(1000);
    expect(pause).toBeLessThan(2000);
    expect(c.call.totals.ttsCharacters).toBe(`${first} ${rest}`.length);
  });

  it("<hangup/> (or <hungup/>) ends the call after the sentence, like `last`", async () => {
    const c = await newCall();
    const t0 = performance.now();
    gateway.send(c.call.conversation, { type: "say", id: 5, body: "Goodbye.<hungup/>", last: false });
    expect(await c.call.done).toBe("bot_ended");
    expect(openai.requests.filter((r) => r.at >= t0).map((r) => r.body.input)).toEqual(["Goodbye."]);
    expect(c.sink.samplesSince(t0).length).toBe(heardLength("Goodbye."));
    expect(c.sent("finished")).toHaveLength(1);
  });

  it("a lone <hangup/> lets the message before it play out", async () => {
    const c = await newCall();
    const t0 = performance.now();
    gateway.send(c.call.conversation, { type: "say", id: 1, body: "Thank you for calling.", last: false });
    gateway.send(c.call.conversation, { type: "say", id: 2, body: "<hangup/>", last: false });
    expect(await c.call.done).toBe("bot_ended");
    expect(c.sink.samplesSince(t0).length).toBe(heardLength("Thank you for calling."));
  });

  it("a barge-in during a <break> drops the rest: spokenText is what was heard before it", async () => {
    const c = await newCall();
    const t0 = performance.now();
    const first = "We have a table at seven.";
    gateway.send(c.call.conversation, { type: "say", id: 6, body: `${first}<break time="5s"/>Shall I book it for you?`, last: false });
    await waitFor(() => c.sink.samplesSince(t0).length >= heardLength(first), 10_000, "the first part played");
    deepgram.push("Yes, please.");
    await c.caller.say(speech16k("yes please"));
    const [interrupted] = await waitFor(() => c.sent("interrupted").length > 0 && c.sent("interrupted"), 8000, "interrupted");
    expect(interrupted).toEqual({ type: "interrupted", id: 6, spokenText: first });
    await waitFor(() => c.sent("transcript").length > 0, 5000, "the caller's turn");
    await new Promise((r) => setTimeout(r, 500));
    expect(synthesized(t0, /Shall I book it/)).toBe(false);
  });
});

describe("conversation settings in the call pipeline (protocol/settings/conversation.ts)", () => {
  it("no match: a turn the recognizer is less sure of than the service asks is not sent; a no-match message is said", async () => {
    // The fake Deepgram gives every transcript a confidence of 0.98.
    const c = await newCall({ settings: { noMatchConfidence: 0.99, noMatchMessages: ["Sorry, could you say it again?"] } });
    const t0 = performance.now();
    deepgram.push("I would like to book a table.");
    await c.caller.say(speech16k("i would like to book a table"));
    await waitFor(() => synthesized(t0, /could you say it again/), 10_000, "the no-match message");
    expect(c.events.filter((e) => e.type === "caller" && e.final)).toHaveLength(1);
    expect(c.sent("transcript")).toHaveLength(0);
  });

  it("barge-in policy none: the caller's voice does not cut the bot off, the message plays whole", async () => {
    const c = await newCall({ settings: { bargeIn: "none" } });
    const long = "Our menu today has tomato soup, grilled salmon with potatoes, a mushroom risotto, chocolate cake and apple pie.";
    const t0 = performance.now();
    gateway.send(c.call.conversation, { type: "say", id: 3, body: long, last: false });
    await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
    await new Promise((r) => setTimeout(r, 1000));
    deepgram.push("Stop, I want the salmon.");
    await c.caller.say(speech16k("stop i want the salmon"));
    await waitFor(() => c.output.pendingPlayoutSegments === 0 && performance.now() - c.sink.lastWriteAt > 300, 15_000, "the message played");
    expect(c.sink.samplesSince(t0).length).toBeGreaterThanOrEqual(heardLength(long));
    expect(c.sink.clears.filter((t) => t >= t0)).toHaveLength(0);
    expect(c.sent("interrupted")).toHaveLength(0);
  });

  it("keys cut the bot off under the default policy (any) and dtmf, and reach the bot; under speech they only reach the bot", async () => {
    const long = "Our menu today has tomato soup, grilled salmon with potatoes, a mushroom risotto, chocolate cake and apple pie.";
    for (const [bargeIn, cuts] of [["any", true], ["speech", false], ["dtmf", true]] as const) {
      const c = await newCall({ settings: { bargeIn } });
      gateway.send(c.call.conversation, { type: "say", id: 4, body: long, last: false });
      await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
      await new Promise((r) => setTimeout(r, 800));
      c.call.dtmf("1");
      await waitFor(() => c.sent("dtmf").length > 0, 5000, "the key at the bot");
      if (cuts) await waitFor(() => c.sent("interrupted").length > 0, 5000, "interrupted");
      else {
        await waitFor(() => c.output.pendingPlayoutSegments === 0 && performance.now() - c.sink.lastWriteAt > 300, 15_000, "the message played");
        expect(c.sent("interrupted"), bargeIn).toHaveLength(0);
      }
      await c.call.callerHangsUp();
    }
  });
});

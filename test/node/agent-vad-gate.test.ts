import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, resample, silence } from "../../agent/audio.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { GATE_TAIL_MS } from "../../agent/providers/vad-gate.ts";
import type { ServiceSettingsView } from "../../protocol/service-settings.ts";
import { voicedEnd } from "../../scripts/load/voiced.ts";
import { type CallFakes, startCallFakes } from "../agent/call-fakes.ts";
import { fluxSilenceMs } from "../agent/fake-deepgram.ts";
import { speak } from "../agent/fake-openai.ts";
import { type Caller, waitFor } from "../agent/helpers.ts";
import { startTestCall } from "../agent/test-call.ts";

/**
 * Silero only while the bot speaks (agent/providers/vad-gate.ts), with the real Deepgram (nova, Flux) and OpenAI
 * clients against their fakes and a stand-in gateway: what the framework needs from the VAD still works (barge-in,
 * the caller's "speaking" for silence reprompts, the turn's speech end), and Silero runs no window while the bot is
 * silent. Each call gets its own Silero model, whose window count says whether the VAD heard anything.
 */
let fakes: CallFakes;
const calls: { stop: () => Promise<void> }[] = [];
beforeAll(async () => {
  fakes = await startCallFakes();
});
afterAll(() => fakes.close());
afterEach(async () => {
  for (const { stop } of calls.splice(0)) await stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const speech16k = (text: string) => concatSamples([resample(speak(text), 24_000, 16_000), silence(16_000, 100)]);

async function newCall(opts: { flux?: boolean; sileroGating?: boolean; settings?: Partial<ServiceSettingsView> } = {}) {
  const { gateway, deepgram, openai } = fakes;
  const silero = await SileroModel.load();
  const started = await startTestCall({
    gateway,
    vad: silero.forCall(),
    speech: { deepgramApiKey: "dg", deepgramUrl: deepgram.url, flux: opts.flux ?? false, openaiApiKey: "sk", openaiBaseUrl: openai.baseURL, sileroGating: opts.sileroGating },
    settings: opts.settings ?? {},
    noReplyTimeoutMs: 30_000,
    usageIntervalMs: 60_000,
  });
  calls.push(started);
  const { call } = started;
  const sent = (type: string) => gateway.received.filter((r) => r.conversation === call.conversation && r.message.type === type).map((r) => r.message as Record<string, unknown>);
  /** Silero windows this call's VAD has been through (run or answered as silence). */
  const windows = () => silero.windows.counts.run + silero.windows.counts.skipped;
  return { ...started, sent, windows };
}

/** The caller says `text`; resolves with the wall-clock time its voice ended (the last voiced sample went out). */
async function say(caller: Caller, text: string): Promise<number> {
  const samples = speech16k(text);
  await caller.say(samples);
  return Date.now() - ((samples.length - voicedEnd(samples, 16_000)) / 16_000) * 1000;
}

type Timing = { speechEndedAt: number; transcribedAt: number };
const timingOf = (transcript: Record<string, unknown> | undefined) => transcript!.timing as Timing;

describe("Silero only while the bot speaks (recognizer ends turns)", () => {
  it("nova, the bot silent: the turn reaches the bot with no Silero window run, its speech end where the recognizer put the words' end", async () => {
    const c = await newCall();
    await sleep(300);
    fakes.deepgram.push("I would like a table.");
    const voiceEnded = await say(c.caller, "i would like a table");
    const [transcript] = await waitFor(() => c.sent("transcript").length > 0 && c.sent("transcript"), 8000, "transcript");
    expect(c.windows()).toBe(0);
    const timing = timingOf(transcript);
    // The fake's words end with the last voiced 40 ms chunk it got; the final comes after 300 ms of endpointing.
    expect(Math.abs(timing.speechEndedAt - voiceEnded)).toBeLessThan(150);
    expect(timing.transcribedAt - timing.speechEndedAt).toBeGreaterThan(250);
  });

  it("with SILERO_GATING=off the VAD hears every window and the speech end is its last voice, as before", async () => {
    const c = await newCall({ sileroGating: false });
    await sleep(300);
    fakes.deepgram.push("I would like a table.");
    const voiceEnded = await say(c.caller, "i would like a table");
    const [transcript] = await waitFor(() => c.sent("transcript").length > 0 && c.sent("transcript"), 8000, "transcript");
    expect(c.windows()).toBeGreaterThan(50);
    expect(Math.abs(timingOf(transcript).speechEndedAt - voiceEnded)).toBeLessThan(150);
  });

  it("Flux: barge-in pauses and cuts the bot (Silero listening while it speaks), and the gate closes once it is quiet", async () => {
    const c = await newCall({ flux: true });
    // A first turn, the bot silent: Flux's window end (it gives no word times) stands for the end of the words.
    fakes.deepgram.push("Hello there.");
    const voiceEnded = await say(c.caller, "hello there");
    const [first] = await waitFor(() => c.sent("transcript").length > 0 && c.sent("transcript"), 8000, "first transcript");
    expect(c.windows()).toBe(0);
    const timing = timingOf(first);
    expect(timing.speechEndedAt).toBeGreaterThan(voiceEnded - 100);
    expect(timing.speechEndedAt).toBeLessThan(voiceEnded + fluxSilenceMs(0.7) + 150);
    expect(timing.speechEndedAt).toBeLessThanOrEqual(timing.transcribedAt);

    const long = "Our menu today has tomato soup, grilled salmon with potatoes, a mushroom risotto, chocolate cake and apple pie, and we are open until eleven at night.";
    fakes.gateway.send(c.call.conversation, { type: "say", id: 7, body: long, last: false });
    await waitFor(() => c.sink.chunks.length > 0, 5000, "bot audio");
    await sleep(1200);
    expect(c.windows()).toBeGreaterThan(20); // listening while the bot speaks
    fakes.deepgram.push("Stop, I want the salmon.");
    const spoke = Date.now();
    const spokeAt = performance.now();
    await say(c.caller, "stop i want the salmon");
    const [interrupted] = await waitFor(() => c.sent("interrupted").length > 0 && c.sent("interrupted"), 8000, "interrupted");
    expect(interrupted!.id).toBe(7);
    expect(long.startsWith(String(interrupted!.spokenText))).toBe(true);
    // Paused by Silero's detection, as without the gate (test/node/agent-call.test.ts).
    const stop = c.sink.clears.find((t) => t >= spokeAt)!;
    expect(stop - spokeAt).toBeLessThan(600);
    const [, second] = await waitFor(() => c.sent("transcript").length > 1 && c.sent("transcript"), 8000, "the barge-in turn");
    // Its end of speech: the VAD heard it (open while the bot spoke, then to the end of the caller's segment).
    expect(timingOf(second).speechEndedAt).toBeGreaterThan(spoke);
    // Quiet again (bot silent, the tail and the VAD's segment over): no more windows.
    await sleep(GATE_TAIL_MS + 1200);
    const settled = c.windows();
    await sleep(1000);
    expect(c.windows()).toBe(settled);
  });

  it("silence reprompts: speech the VAD did not hear (gated) still counts as the caller speaking, from the recognizer", async () => {
    const c = await newCall({ settings: { silenceSeconds: 2, silenceMessages: ["Are you still there?"], silenceMaxReprompts: 1, silenceEndsCall: false } });
    const asked = performance.now();
    fakes.gateway.send(c.call.conversation, { type: "say", id: 1, body: "What would you like?", last: false });
    await waitFor(() => c.sink.chunks.length > 0 && c.output.pendingPlayoutSegments === 0, 8000, "the question played");
    await sleep(GATE_TAIL_MS + 200);
    const windows = c.windows();
    // Longer than the silence setting: without the recognizer's start of speech, the reprompt would come mid-sentence.
    fakes.deepgram.push("I would like to book a table for two people at eight tonight, please.");
    await say(c.caller, "i would like to book a table for two people at eight tonight please");
    await waitFor(() => c.sent("transcript").length > 0, 8000, "transcript");
    expect(c.windows()).toBe(windows);
    const reprompts = fakes.openai.requests.filter((r) => r.at >= asked && r.body.input === "Are you still there?");
    expect(reprompts).toEqual([]);
  });
});

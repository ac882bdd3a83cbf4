import type { VAD } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, resample, silence } from "../../agent/audio.ts";
import type { CallEvent } from "../../agent/call.ts";
import type { AgentToGateway } from "../../protocol/bridge.ts";
import { voicedEnd } from "../../scripts/load/voiced.ts";
import { startFakeCartesia } from "../agent/fake-cartesia.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { startFakeGateway } from "../agent/fake-gateway.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { startTestCall } from "../agent/test-call.ts";

/**
 * Flux's eager end of turn through the real agent (CallSession, our Flux client, Aura-2 TTS) against the loopback
 * Flux fake, which sends EagerEndOfTurn / TurnResumed / EndOfTurn as the real service does, and a stand-in gateway.
 * The service: eagerEndOfTurn 0.3 (an eager end after 90 ms of the fake's silence), endOfTurnThreshold 0.9 (270 ms).
 */
let vad: VAD;
let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let cartesia: Awaited<ReturnType<typeof startFakeCartesia>>;
beforeAll(async () => {
  initLogger();
  vad = await silero.VAD.load();
  [deepgram, gateway, cartesia] = await Promise.all([startFakeDeepgram([]), startFakeGateway("agent-secret"), startFakeCartesia({ firstByteDelayMs: 190 })]);
});
afterAll(async () => {
  await Promise.all([deepgram.close(), gateway.close(), cartesia.close()]);
});

/** espeak-ng's words without the silence it puts before and after them. */
function words(text: string): Int16Array {
  const samples = resample(speak(text), 24_000, 16_000);
  const start = samples.findIndex((s) => Math.abs(s) >= 0.005 * 32768);
  return samples.subarray(Math.max(0, start), voicedEnd(samples, 16_000));
}

async function eagerCall(tts: "deepgram" | "cartesia" = "deepgram") {
  const before = deepgram.connections.length;
  const started = await startTestCall({
    gateway,
    vad,
    speech: { deepgramApiKey: "dg", deepgramUrl: deepgram.url, flux: true, cartesiaApiKey: cartesia.apiKey, cartesiaUrl: cartesia.url },
    settings: { ttsProvider: tts, endOfTurnThreshold: 0.9, eagerEndOfTurn: 0.3 },
  });
  cleanups.push(started.stop);
  const { call } = started;
  const sent = () => gateway.received.filter((r) => r.conversation === call.conversation);
  const ofType = <T extends AgentToGateway["type"]>(type: T) =>
    sent().flatMap((r) => (r.message.type === type ? [{ message: r.message as Extract<AgentToGateway, { type: T }>, at: r.at }] : []));
  // The recognizer connects once the session listens: this call's connection, once it is there.
  const connection = () => deepgram.connections.slice(before).find((c) => c.path === "/v2/listen")!;
  return { ...started, ofType, connection };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of cleanups.splice(0)) await stop();
});

const spokenIds = (events: CallEvent[]) => events.flatMap((e) => (e.type === "bot" ? [e.id] : []));

describe("eager end of turn (service setting eagerEndOfTurn) against the Flux fake", () => {
  it("sends the turn on EagerEndOfTurn, holds the bot's reply (synthesized meanwhile) until EndOfTurn, then plays it; nothing is sent twice", async () => {
    const { call, caller, sink, events, ofType, connection } = await eagerCall();
    deepgram.push("Yes please.");
    const speaking = caller.say(concatSamples([silence(16_000, 100), words("yes please"), silence(16_000, 600)]));
    const [turn] = await waitFor(() => ofType("transcript").length > 0 && ofType("transcript"), 10_000, "the eager turn");
    expect(turn!.message).toMatchObject({ text: "Yes please.", turn: 1 });
    expect(connection().query.get("eager_eot_threshold")).toBe("0.3");
    expect(connection().turnEvents.some((e) => e.event === "EndOfTurn")).toBe(false);
    // The bot answers as soon as it has the words, before Flux has confirmed the end of the turn.
    const speakBefore = deepgram.speakRequests.length;
    gateway.send(call.conversation, { type: "say", id: 1, body: "Okay, noted.", last: false, inReplyTo: 1 });
    await speaking;
    await waitFor(() => spokenIds(events).includes(1), 10_000, "the reply spoken");
    const endOfTurn = connection().turnEvents.find((e) => e.event === "EndOfTurn")!;
    expect(endOfTurn.transcript).toBe("Yes please.");
    const eagerEnd = connection().turnEvents.find((e) => e.event === "EagerEndOfTurn")!;
    expect(eagerEnd.at).toBeLessThan(endOfTurn.at);
    // Synthesized while held (the request went before the end of the turn), played only after it.
    const synthesis = deepgram.speakRequests.slice(speakBefore).find((r) => r.text === "Okay, noted.")!;
    expect(synthesis.at).toBeLessThan(endOfTurn.at);
    await waitFor(() => sink.chunks.some((c) => c.at > turn!.at), 10_000, "the reply's audio");
    expect(sink.chunks.find((c) => c.at > turn!.at)!.at).toBeGreaterThanOrEqual(endOfTurn.at);
    // EndOfTurn had the same words: the bot got the turn once, and was told of nothing else.
    await new Promise((r) => setTimeout(r, 300));
    expect(ofType("transcript").map((t) => t.message.turn)).toEqual([1]);
    expect(ofType("notice")).toEqual([]);
  }, 30_000);

  it("TurnResumed supersedes the eager turn: the bot is told (turn_resumed), its reply to it is dropped, the longer words go as the next turn", async () => {
    const { call, caller, events, ofType, connection } = await eagerCall();
    deepgram.push("I would like / a table for two.");
    const speaking = caller.say(concatSamples([silence(16_000, 100), words("I would like"), silence(16_000, 150), words("a table for two"), silence(16_000, 600)]));
    const [first] = await waitFor(() => ofType("transcript").length > 0 && ofType("transcript"), 10_000, "the first eager turn");
    expect(first!.message).toMatchObject({ text: "I would like", turn: 1 });
    gateway.send(call.conversation, { type: "say", id: 1, body: "Sorry, like what?", last: false });
    const [notice] = await waitFor(() => ofType("notice").length > 0 && ofType("notice"), 10_000, "the turn_resumed notice");
    expect(notice!.message).toEqual({ type: "notice", event: "turn_resumed", turn: 1 });
    const second = await waitFor(() => ofType("transcript")[1], 10_000, "the longer turn");
    expect(second.message).toMatchObject({ text: "I would like a table for two.", turn: 2 });
    gateway.send(call.conversation, { type: "say", id: 2, body: "For two, noted.", last: false, inReplyTo: 2 });
    await speaking;
    await waitFor(() => spokenIds(events).includes(2), 10_000, "the reply to the longer turn spoken");
    expect(connection().turnEvents.map((e) => e.event)).toEqual(["StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EagerEndOfTurn", "EndOfTurn"]);
    // The reply to the superseded turn was never spoken; its playout says so (no first audio).
    expect(spokenIds(events)).toEqual([2]);
    const playout1 = await waitFor(() => ofType("playout").find((p) => p.message.id === 1), 5000, "playout of the dropped reply");
    expect(playout1.message.firstAudioAt).toBeNull();
    expect(ofType("transcript").map((t) => t.message.turn)).toEqual([1, 2]);
  }, 30_000);

  it("with Cartesia (one WebSocket per call), each of several eager turns in a row gets its held reply played", async () => {
    const { call, caller, events, ofType } = await eagerCall("cartesia");
    for (let turn = 1; turn <= 4; turn++) {
      deepgram.push("Yes please.");
      const speaking = caller.say(concatSamples([silence(16_000, 100), words("yes please"), silence(16_000, 600)]));
      await waitFor(() => ofType("transcript").length === turn, 10_000, `eager turn ${turn}`);
      gateway.send(call.conversation, { type: "say", id: turn, body: `Reply ${turn}.`, last: false, inReplyTo: turn });
      await speaking;
      await waitFor(() => spokenIds(events).includes(turn), 10_000, `reply ${turn} spoken`);
      await waitFor(() => ofType("playout").some((p) => p.message.id === turn && p.message.firstAudioAt !== null), 10_000, `reply ${turn} played`);
    }
    expect(ofType("transcript").map((t) => t.message.turn)).toEqual([1, 2, 3, 4]);
  }, 60_000);
});

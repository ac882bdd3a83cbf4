import { type VAD, stt, type tts } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, frames, resample, silence } from "../../agent/audio.ts";
import { createSpeech } from "../../agent/providers/index.ts";
import { TTS_FRAME_MS } from "../../agent/providers/pcm-stream.ts";
import { voiceSettings } from "../../protocol/settings/voice.ts";
import { startFakeCartesia } from "../agent/fake-cartesia.ts";
import { fluxSilenceMs, startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { heardLength, speak } from "../agent/fake-openai.ts";
import { startFakeGateway } from "../agent/fake-gateway.ts";
import { collectFrames, initLogger, joinFrames, waitFor } from "../agent/helpers.ts";
import { startTestCall } from "../agent/test-call.ts";

/** The fast providers (Deepgram Aura-2 and Flux, Cartesia) through our adapters against loopback fakes of their wire protocols. */
let vad: VAD;
beforeAll(async () => {
  initLogger();
  vad = await silero.VAD.load();
});

const settings = (over: Partial<typeof voiceSettings.defaults>) => ({ ...voiceSettings.defaults, ...over });

/** Errors a TTS reports (the session listens to them the same way). */
function errorsOf(tts: tts.TTS) {
  const errors: { error: unknown; recoverable: boolean }[] = [];
  tts.on("error", (e) => errors.push(e));
  return errors;
}

describe("Deepgram Aura-2 TTS (POST /v1/speak, streamed)", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeAll(async () => {
    deepgram = await startFakeDeepgram([], { stallAfterFirstChunkMs: 700 });
  });
  afterAll(() => deepgram.close());

  it("yields the first frame before the response has finished, with the language's Aura-2 voice and the service's rate", async () => {
    const speech = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: deepgram.url }, "es-ES", vad, settings({ ttsProvider: "deepgram", speakingRate: 1.2 }));
    expect(speech.ttsName).toBe("deepgram");
    const { frames: out, firstAt } = await collectFrames(speech.tts.synthesize("Hola, ¿en qué puedo ayudarle?"));
    // The fake stalls 700 ms after its first chunk: the first frame came before the rest of the response.
    expect(performance.now() - firstAt).toBeGreaterThan(650);
    expect(out[0]!.sampleRate).toBe(24_000);
    expect(joinFrames(out).length).toBe(speak("Hola, ¿en qué puedo ayudarle?", "es").length);
    const req = deepgram.speakRequests.at(-1)!;
    expect(req.authorization).toBe("Token dg-key");
    expect(Object.fromEntries(req.query)).toEqual({ model: "aura-2-celeste-es", encoding: "linear16", container: "none", sample_rate: "24000", speed: "1.2" });
    expect(req.text).toBe("Hola, ¿en qué puedo ayudarle?");
  });

  it("a response cut mid-stream is requested again from the start; a 500 is retried; a 401 is reported and not retried", async () => {
    const speech = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: deepgram.url }, "en-US", vad, settings({ ttsProvider: "deepgram", ttsVoice: "aura-2-orion-en" }));
    const errors = errorsOf(speech.tts);
    const text = "Your table for two is booked.";
    const before = deepgram.speakRequests.length;
    deepgram.dropNextSpeech(1, 4800 * 3);
    const cut = joinFrames((await collectFrames(speech.tts.synthesize(text))).frames);
    expect(deepgram.speakRequests.slice(before).map((r) => [r.text, r.query.get("model")])).toEqual([
      [text, "aura-2-orion-en"],
      [text, "aura-2-orion-en"],
    ]);
    // The cut start (the whole frames of at least the fake's first 100 ms chunk, sent before the drop), then the
    // whole sentence.
    expect(cut.length).toBeGreaterThanOrEqual(speak(text).length + 24 * TTS_FRAME_MS * Math.floor(100 / TTS_FRAME_MS));
    expect(cut.subarray(cut.length - speak(text).length)).toEqual(speak(text));
    expect(errors).toMatchObject([{ recoverable: true }]);

    deepgram.refuseNextSpeech(1, 500);
    expect(joinFrames((await collectFrames(speech.tts.synthesize(text))).frames).length).toBe(speak(text).length);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ recoverable: true, error: { statusCode: 500 } });

    const refused = deepgram.speakRequests.length;
    deepgram.refuseNextSpeech(1, 401);
    expect((await collectFrames(speech.tts.synthesize(text))).frames).toHaveLength(0);
    expect(deepgram.speakRequests.length - refused).toBe(1);
    expect(errors[2]).toMatchObject({ recoverable: false, error: { statusCode: 401 } });
    await speech.tts.close();
  });
});

describe("Cartesia TTS (WebSocket, one connection per call)", () => {
  let cartesia: Awaited<ReturnType<typeof startFakeCartesia>>;
  beforeAll(async () => {
    cartesia = await startFakeCartesia({ chunkDelayMs: 5 });
  });
  afterAll(() => cartesia.close());
  const config = () => ({ cartesiaApiKey: cartesia.apiKey, cartesiaUrl: cartesia.url });

  it("streams each sentence as its own context on one connection, with the voice, language and rate asked for", async () => {
    const connections = cartesia.connections();
    const speech = createSpeech(config(), "fr-FR", vad, settings({ ttsProvider: "cartesia", ttsVoice: "a0e99841-438c-4a64-b679-ae501e7d6091", speakingRate: 0.8 }));
    expect(speech.ttsName).toBe("cartesia");
    const first = joinFrames((await collectFrames(speech.tts.synthesize("Bonjour."))).frames);
    const second = joinFrames((await collectFrames(speech.tts.synthesize("Que puis-je faire pour vous ?"))).frames);
    expect(first.length).toBe(speak("Bonjour.", "fr").length);
    expect(second.length).toBe(speak("Que puis-je faire pour vous ?", "fr").length);
    expect(cartesia.connections() - connections).toBe(1);
    expect(cartesia.extensionsOffered.at(-1)).toBeUndefined(); // no permessage-deflate (agent/websocket.ts)
    const [a, b] = cartesia.generations.slice(-2).map((g) => g.body);
    expect(a).toMatchObject({
      model_id: "sonic-2",
      transcript: "Bonjour.",
      voice: { mode: "id", id: "a0e99841-438c-4a64-b679-ae501e7d6091" },
      language: "fr",
      output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: 24_000 },
      continue: false,
      generation_config: { speed: 0.8 },
    });
    expect(b!.context_id).not.toBe(a!.context_id);
    await speech.tts.close();
  });

  it("a connection dropped mid-sentence: a new connection synthesizes the sentence again; a 4xx error is reported and skipped", async () => {
    const speech = createSpeech(config(), "en-US", vad, settings({ ttsProvider: "cartesia" }));
    const errors = errorsOf(speech.tts);
    const text = "Your order is on its way.";
    await collectFrames(speech.tts.synthesize("Hello."));
    const connections = cartesia.connections();
    cartesia.dropNext(1, 4800 * 3);
    const heard = joinFrames((await collectFrames(speech.tts.synthesize(text))).frames);
    expect(cartesia.connections() - connections).toBe(1);
    expect(heard.length).toBeGreaterThanOrEqual(speak(text).length + 2400);
    expect(errors).toMatchObject([{ recoverable: true }]);

    cartesia.errorNext(1, 400);
    expect((await collectFrames(speech.tts.synthesize("Refused."))).frames).toHaveLength(0);
    expect(errors[1]).toMatchObject({ recoverable: false, error: { statusCode: 400 } });
    // The call goes on, on the same connection.
    expect(joinFrames((await collectFrames(speech.tts.synthesize("Still here."))).frames).length).toBe(speak("Still here.").length);
    expect(cartesia.connections() - connections).toBe(1);
    await speech.tts.close();
  });

  it("a sentence cut short (barge-in) cancels its context", async () => {
    const speech = createSpeech(config(), "en-US", vad, settings({ ttsProvider: "cartesia" }));
    const abort = new AbortController();
    const stream = speech.tts.synthesize("This is a long sentence that the caller will not let us finish.", undefined, abort.signal);
    for await (const _ of stream) {
      abort.abort();
      break;
    }
    const contextId = cartesia.generations.at(-1)!.body.context_id as string;
    await waitFor(() => cartesia.cancelled.includes(contextId), 3000, "the cancel message");
    await speech.tts.close();
  });

  it("a wrong key is refused at the handshake and reported, not retried", async () => {
    const speech = createSpeech({ cartesiaApiKey: "wrong", cartesiaUrl: cartesia.url }, "en-US", vad, settings({ ttsProvider: "cartesia" }));
    const errors = errorsOf(speech.tts);
    expect((await collectFrames(speech.tts.synthesize("Hello."))).frames).toHaveLength(0);
    expect(errors).toMatchObject([{ recoverable: false, error: { statusCode: 401 } }]);
    await speech.tts.close();
  });
});

describe("Deepgram Flux STT (/v2/listen, end of turn by its model)", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeAll(async () => {
    deepgram = await startFakeDeepgram([]);
  });
  afterAll(() => deepgram.close());
  const utterance = (text: string) => concatSamples([silence(16_000, 200), resample(speak(text), 24_000, 16_000), silence(16_000, 800)]);

  async function listen(stream: stt.SpeechStream, audio: Int16Array, until: (events: stt.SpeechEvent[]) => boolean) {
    const events: stt.SpeechEvent[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(ev);
        if (until(events)) break;
      }
    })();
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    return events;
  }

  it("is the recognizer for English (with the service's end-of-turn threshold), nova for other languages", async () => {
    const en = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: deepgram.url, flux: true }, "en-GB", vad, settings({ endOfTurnThreshold: 0.6 }));
    expect([en.sttName, en.turnDetection]).toEqual(["deepgram-flux", "stt"]);
    deepgram.push("I would like to book a table.");
    const stream = en.stt.stream();
    const events = await listen(stream, utterance("i would like to book a table"), (evs) => evs.some((e) => e.type === stt.SpeechEventType.END_OF_SPEECH));
    stream.close();
    expect(events.map((e) => e.type)).toEqual([
      stt.SpeechEventType.START_OF_SPEECH,
      stt.SpeechEventType.INTERIM_TRANSCRIPT,
      stt.SpeechEventType.FINAL_TRANSCRIPT,
      stt.SpeechEventType.END_OF_SPEECH,
    ]);
    const final = events[2]!.alternatives![0]!;
    expect(final.text).toBe("I would like to book a table.");
    expect(final.endTime).toBeGreaterThan(final.startTime);
    const conn = deepgram.connections.at(-1)!;
    expect(conn.path).toBe("/v2/listen");
    expect(conn.authorization).toBe("Token dg-key");
    expect(Object.fromEntries(conn.query)).toEqual({ model: "flux-general-en", encoding: "linear16", sample_rate: "16000", eot_threshold: "0.6" });

    const fr = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: deepgram.url, flux: true }, "fr-FR", vad);
    expect(fr.sttName).toBe("deepgram");
    const frStream = fr.stt.stream();
    frStream.pushFrame([...frames(silence(16_000, 100), 16_000)][0]!);
    await waitFor(() => deepgram.connections.at(-1) !== conn, 5000, "nova's connection");
    frStream.close();
    expect(deepgram.connections.at(-1)!.path).toBe("/v1/listen");
  });

  it("a higher threshold waits longer for the end of the turn (the fake stands in with silence)", () => {
    expect(fluxSilenceMs(0.9)).toBeGreaterThan(fluxSilenceMs(0.5));
  });

  it("drops mid-turn: a new connection hears the turn again from its start and the words come whole", async () => {
    const speech = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: deepgram.url, flux: true }, "en-US", vad);
    deepgram.push("I would like the salmon, please.");
    const stream = speech.stt.stream();
    const events: stt.SpeechEvent[] = [];
    let dropped = false;
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(ev);
        if (ev.type === stt.SpeechEventType.INTERIM_TRANSCRIPT && !dropped) {
          dropped = true;
          deepgram.drop();
        }
        if (ev.type === stt.SpeechEventType.END_OF_SPEECH) break;
      }
    })();
    const before = deepgram.connections.length;
    // In real time, so that the drop lands mid-utterance.
    for (const frame of frames(utterance("i would like the salmon with potatoes please"), 16_000, 20)) {
      stream.pushFrame(frame);
      await new Promise((r) => setTimeout(r, 20));
    }
    await reading;
    stream.close();
    const [first, second, ...more] = deepgram.connections.slice(before);
    expect(more).toHaveLength(0);
    expect(first!.closed).toBe(true);
    expect(second!.path).toBe("/v2/listen");
    const finals = events.filter((e) => e.type === stt.SpeechEventType.FINAL_TRANSCRIPT);
    expect(finals.map((e) => e.alternatives![0]!.text)).toEqual(["I would like the salmon, please."]);
    const lost = Buffer.concat(first!.audio);
    expect(lost.length).toBeGreaterThanOrEqual(16_000 * 2 * 0.2);
    expect(Buffer.concat(second!.audio).subarray(0, lost.length).equals(lost)).toBe(true);
  }, 20_000);

  it("a model that is not Flux's is refused at the handshake", async () => {
    const { FluxSTT } = await import("../../agent/providers/flux-stt.ts");
    const flux = new FluxSTT({ apiKey: "k", baseUrl: deepgram.url, language: "en-US", eotThreshold: 0.7, model: "nova-3", reconnectDelaysMs: [] });
    const errors: unknown[] = [];
    flux.on("error", (e) => errors.push(e));
    const stream = flux.stream();
    stream.pushFrame([...frames(silence(16_000, 100), 16_000)][0]!);
    await waitFor(() => errors.length > 0, 5000, "the refusal");
    stream.close();
    expect(errors[0]).toMatchObject({ error: { statusCode: 400 } });
  });
});

describe("a call with the service's voice settings (Flux + Cartesia, stand-in gateway)", () => {
  it("hears the caller through Flux with the service's threshold and answers in the service's Cartesia voice and rate", async () => {
    const [deepgram, cartesia, gateway] = await Promise.all([startFakeDeepgram([]), startFakeCartesia(), startFakeGateway("agent-secret")]);
    const { call, caller, sink, events, stop } = await startTestCall({
      gateway,
      vad,
      speech: { deepgramApiKey: "dg", deepgramUrl: deepgram.url, flux: true, cartesiaApiKey: cartesia.apiKey, cartesiaUrl: cartesia.url },
      settings: { ttsProvider: "cartesia", ttsVoice: "a0e99841-438c-4a64-b679-ae501e7d6091", speakingRate: 1.2, endOfTurnThreshold: 0.8 },
    });
    try {
      expect(events[0]).toMatchObject({ type: "started", stt: "deepgram-flux", tts: "cartesia" });

      deepgram.push("What time do you open?");
      await caller.say(concatSamples([resample(speak("what time do you open"), 24_000, 16_000), silence(16_000, 100)]));
      const [transcript] = await waitFor(() => gateway.of("transcript").length > 0 && gateway.of("transcript"), 10_000, "the caller's turn");
      expect(transcript).toEqual({ type: "transcript", text: "What time do you open?", turn: 1, timing: expect.any(Object) });
      expect(deepgram.connections.at(-1)!.query.get("eot_threshold")).toBe("0.8");

      const t0 = performance.now();
      gateway.send(call.conversation, { type: "say", id: 1, body: "We open at nine.", last: false });
      await waitFor(() => sink.samplesSince(t0).length >= heardLength("We open at nine."), 10_000, "the reply played");
      expect(cartesia.generations.at(-1)!.body).toMatchObject({ transcript: "We open at nine.", voice: { id: "a0e99841-438c-4a64-b679-ae501e7d6091" }, generation_config: { speed: 1.2 } });
    } finally {
      await stop();
      await Promise.all([deepgram.close(), cartesia.close(), gateway.close()]);
    }
  }, 30_000);
});

import { stt } from "@livekit/agents";
import { describe, expect, it } from "vitest";
import { type ListenState, interpretDeepgramMessage } from "../../agent/providers/deepgram-messages.ts";
import { UnfinalizedAudio } from "../../agent/providers/unfinalized-audio.ts";
import { interpretFluxMessage } from "../../agent/providers/flux-messages.ts";

const results = (transcript: string, o: { start?: number; duration?: number; isFinal?: boolean; speechFinal?: boolean } = {}) =>
  JSON.stringify({
    type: "Results",
    start: o.start ?? 1,
    duration: o.duration ?? 1.5,
    is_final: o.isFinal ?? false,
    speech_final: o.speechFinal ?? false,
    channel: {
      alternatives: [
        {
          transcript,
          confidence: 0.9,
          words: transcript ? transcript.split(" ").map((w, i) => ({ word: w.toLowerCase(), punctuated_word: w, start: (o.start ?? 1) + i * 0.5, end: (o.start ?? 1) + i * 0.5 + 0.4, confidence: 0.9 })) : [],
        },
      ],
    },
    metadata: { request_id: "req-1" },
  });

describe("Deepgram messages → speech events", () => {
  it("starts speech before the first words, then interim, final and end of speech at the endpoint", () => {
    const state: ListenState = { speaking: false };
    const interim = interpretDeepgramMessage(results("Hello"), state, "en-GB", 0);
    expect(interim.events.map((e) => e.type)).toEqual([stt.SpeechEventType.START_OF_SPEECH, stt.SpeechEventType.INTERIM_TRANSCRIPT]);
    expect(interim.finalizedUntil).toBeUndefined();
    const final = interpretDeepgramMessage(results("Hello there.", { isFinal: true, speechFinal: true }), state, "en-GB", 10);
    expect(final.events.map((e) => e.type)).toEqual([stt.SpeechEventType.FINAL_TRANSCRIPT, stt.SpeechEventType.END_OF_SPEECH]);
    const data = final.events[0]!.alternatives![0];
    expect(data).toMatchObject({ text: "Hello there.", language: "en-GB", confidence: 0.9, startTime: 11, endTime: 11.9 });
    expect(data.words?.map((w) => [w.text, w.startTime])).toEqual([["Hello", 11], ["there.", 11.5]]);
    expect(final.events[0]!.requestId).toBe("req-1");
    // Finalized up to the end of the result, in the connection's own clock (the caller adds its offset).
    expect(final.finalizedUntil).toBe(2.5);
    expect(state.speaking).toBe(false);
  });

  it("a final without an endpoint keeps the turn open; UtteranceEnd closes it once", () => {
    const state: ListenState = { speaking: false };
    const final = interpretDeepgramMessage(results("I want", { isFinal: true }), state, "en-US", 0);
    expect(final.events.map((e) => e.type)).toEqual([stt.SpeechEventType.START_OF_SPEECH, stt.SpeechEventType.FINAL_TRANSCRIPT]);
    expect(interpretDeepgramMessage(JSON.stringify({ type: "UtteranceEnd", last_word_end: 2 }), state, "en-US", 0).events.map((e) => e.type)).toEqual([
      stt.SpeechEventType.END_OF_SPEECH,
    ]);
    expect(interpretDeepgramMessage(JSON.stringify({ type: "UtteranceEnd" }), state, "en-US", 0).events).toEqual([]);
  });

  it("SpeechStarted starts speech once; empty results yield no transcript but still finalize their audio", () => {
    const state: ListenState = { speaking: false };
    expect(interpretDeepgramMessage(JSON.stringify({ type: "SpeechStarted", timestamp: 0.3 }), state, "en-US", 0).events).toEqual([
      { type: stt.SpeechEventType.START_OF_SPEECH },
    ]);
    expect(interpretDeepgramMessage(results("Hi"), state, "en-US", 0).events.map((e) => e.type)).toEqual([stt.SpeechEventType.INTERIM_TRANSCRIPT]);
    const silence = interpretDeepgramMessage(results("", { isFinal: true, start: 0, duration: 3 }), { speaking: false }, "en-US", 0);
    expect(silence).toEqual({ events: [], finalizedUntil: 3 });
  });

  it("ignores what it does not know or cannot parse", () => {
    const state: ListenState = { speaking: false };
    for (const raw of ["not json", "{}", JSON.stringify({ type: "Metadata", request_id: "x" }), JSON.stringify({ type: "Results" }), JSON.stringify({ type: "Warning", message: "?" })]) {
      expect(interpretDeepgramMessage(raw, state, "en-US", 0)).toEqual({ events: [] });
    }
    expect(state.speaking).toBe(false);
  });
});

describe("UnfinalizedAudio", () => {
  const chunk = (n: number) => new Uint8Array([n]);

  it("keeps what has not been finalized, in order, and says where it starts", () => {
    const audio = new UnfinalizedAudio();
    for (let i = 0; i < 5; i++) audio.append(chunk(i), 0.1);
    expect(audio.startsAt).toBe(0);
    audio.finalizedUntil(0.2);
    expect(audio.replay()).toEqual([chunk(2), chunk(3), chunk(4)]);
    expect(audio.startsAt).toBeCloseTo(0.2);
    expect(audio.seconds).toBeCloseTo(0.3);
    audio.finalizedUntil(0.25); // the middle of a chunk: the chunk is kept
    expect(audio.replay()).toHaveLength(3);
    audio.finalizedUntil(10);
    expect(audio.replay()).toEqual([]);
    expect(audio.startsAt).toBeCloseTo(0.5);
    expect(audio.seconds).toBe(0);
  });

  it("holds at most maxSeconds", () => {
    const audio = new UnfinalizedAudio(1);
    for (let i = 0; i < 30; i++) audio.append(chunk(i), 0.1);
    expect(audio.seconds).toBeLessThanOrEqual(1 + 1e-9);
    expect(audio.replay().at(-1)).toEqual(chunk(29));
    expect(audio.startsAt).toBeCloseTo(2);
  });
});

describe("Flux's answers to Configure (the next utterance's key terms)", () => {
  it("a success is nothing to act on; a refusal is reported (the stream goes on), without speech events", () => {
    const state: ListenState = { speaking: false };
    expect(interpretFluxMessage(JSON.stringify({ type: "ConfigureSuccess", request_id: "r", keyterms: ["zero"], thresholds: {}, sequence_id: 3 }), state, "en", 0)).toEqual({ events: [] });
    expect(interpretFluxMessage(JSON.stringify({ type: "ConfigureFailure", request_id: "r", sequence_id: 4, description: "too many keyterms" }), state, "en", 0)).toEqual({
      events: [],
      error: "Configure refused: too many keyterms",
    });
  });
});

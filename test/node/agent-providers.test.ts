import { type VAD, type VADEvent, VADEventType, stt } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, frames, resample, rms, silence } from "../../agent/audio.ts";
import { createSpeech } from "../../agent/providers/index.ts";
import { EspeakTTS } from "../../agent/providers/espeak-tts.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { SphinxSTT } from "../../agent/providers/sphinx-stt.ts";
import { stableSpeechFrames } from "../../agent/providers/stable-vad.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { speak, startFakeOpenAI } from "../agent/fake-openai.ts";
import { collectFrames, initLogger, joinFrames } from "../agent/helpers.ts";

const PHRASES = ["hello i would like to book a table for two", "what time do you open", "i want to cancel my order", "yes please"];
let vad: VAD;

beforeAll(async () => {
  initLogger();
  vad = await silero.VAD.load();
});

describe("Deepgram STT (our streaming client, fake server)", () => {
  let fake: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeAll(async () => {
    fake = await startFakeDeepgram(["Hello, I would like to book a table."]);
  });
  afterAll(() => fake.close());

  it("streams audio with the service's language and gets interim then final results", async () => {
    const speech = createSpeech({ deepgramApiKey: "dg-key", deepgramUrl: fake.url }, "en-GB", vad);
    expect(speech.sttName).toBe("deepgram");
    const stream = speech.stt.stream();
    const events: stt.SpeechEvent[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(ev);
        if (ev.type === stt.SpeechEventType.END_OF_SPEECH) break;
      }
    })();
    const audio = concatSamples([silence(16_000, 200), resample(speak("hello i would like to book a table"), 24_000, 16_000), silence(16_000, 800)]);
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    stream.endInput();
    stream.close();

    const types = events.map((e) => e.type);
    expect(types).toContain(stt.SpeechEventType.INTERIM_TRANSCRIPT);
    const final = events.find((e) => e.type === stt.SpeechEventType.FINAL_TRANSCRIPT);
    expect(final?.alternatives?.[0].text).toBe("Hello, I would like to book a table.");
    expect(types.indexOf(stt.SpeechEventType.INTERIM_TRANSCRIPT)).toBeLessThan(types.indexOf(stt.SpeechEventType.FINAL_TRANSCRIPT));

    const conn = fake.connections[0]!;
    expect(conn.authorization).toBe("Token dg-key");
    expect(conn.query.get("language")).toBe("en-GB");
    expect(conn.query.get("model")).toBe("nova-3");
    expect(conn.query.get("interim_results")).toBe("true");
    expect(conn.query.get("endpointing")).toBe("300");
    expect(conn.query.get("encoding")).toBe("linear16");
    expect(conn.query.get("sample_rate")).toBe("16000");
    expect(conn.audioBytes).toBeGreaterThan(16_000); // more than half a second of audio reached the server
  });

  it("uses nova-2 and Deepgram's spelling for other languages", async () => {
    const speech = createSpeech({ deepgramApiKey: "k2", deepgramUrl: fake.url }, "nb-NO", vad);
    const stream = speech.stt.stream();
    stream.pushFrame([...frames(silence(16_000, 100), 16_000)][0]!);
    const start = Date.now();
    while (fake.connections.length < 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    stream.endInput();
    stream.close();
    const conn = fake.connections[1]!;
    expect(conn.query.get("language")).toBe("no");
    expect(conn.query.get("model")).toBe("nova-2");
  });
});

describe("OpenAI TTS, streamed (fake server)", () => {
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ stallAfterFirstChunkMs: 700 });
  });
  afterAll(() => fake.close());

  it("yields the first frame before the response has finished, with the language's voice", async () => {
    const speech = createSpeech({ openaiApiKey: "sk-test", openaiBaseUrl: fake.baseURL }, "fr-FR", vad);
    expect(speech.ttsName).toBe("openai");
    const started = performance.now();
    const { frames: out, firstAt } = await collectFrames(speech.tts.synthesize("Bonjour, que puis-je faire pour vous ?"));
    const ended = performance.now();
    expect(firstAt - started).toBeLessThan(500); // the server stalls 700 ms after its first chunk
    expect(ended - started).toBeGreaterThan(700);
    const samples = joinFrames(out);
    expect(out[0]!.sampleRate).toBe(24_000);
    expect(samples.length).toBe(speak("Bonjour, que puis-je faire pour vous ?").length);
    const req = fake.requests.at(-1)!;
    expect(req.authorization).toBe("Bearer sk-test");
    expect(req.body).toMatchObject({ input: "Bonjour, que puis-je faire pour vous ?", voice: "shimmer", response_format: "pcm" });
  });

  it("picks another voice for English and honours overrides", async () => {
    const en = createSpeech({ openaiApiKey: "sk", openaiBaseUrl: fake.baseURL }, "en-US", vad);
    await collectFrames(en.tts.synthesize("Hi."));
    expect(fake.requests.at(-1)!.body.voice).toBe("alloy");
    const custom = createSpeech({ openaiApiKey: "sk", openaiBaseUrl: fake.baseURL, openaiVoices: { en: "verse" } }, "en-US", vad);
    await collectFrames(custom.tts.synthesize("Hi."));
    expect(fake.requests.at(-1)!.body.voice).toBe("verse");
  });
});

describe("offline providers (espeak-ng, pocketsphinx)", () => {
  it("defaults to them without keys", () => {
    const speech = createSpeech({}, "en-US", vad);
    expect([speech.sttName, speech.ttsName]).toEqual(["pocketsphinx", "espeak-ng"]);
  });

  it("espeak-ng speech at 24 kHz is transcribed back by pocketsphinx", async () => {
    const tts = new EspeakTTS({ voice: "en-us" });
    const { frames: out } = await collectFrames(tts.synthesize("What time do you open?"));
    const samples = joinFrames(out);
    expect(out[0]!.sampleRate).toBe(24_000);
    expect(samples.length / 24_000).toBeGreaterThan(0.8);
    expect(rms(samples)).toBeGreaterThan(0.03);
    const sphinx = new SphinxSTT({ phrases: PHRASES });
    const result = await sphinx.recognize(out);
    expect(result.alternatives?.[0].text).toBe("what time do you open");
    await sphinx.close();
  });

  it("tells phrases apart from audio, not from the grammar alone", async () => {
    const sphinx = new SphinxSTT({ phrases: PHRASES });
    for (const phrase of ["i want to cancel my order", "yes please"]) {
      const audio = resample(speak(phrase), 24_000, 16_000);
      const result = await sphinx.recognize([...frames(audio, 16_000)]);
      expect(result.alternatives?.[0].text).toBe(phrase);
    }
    await sphinx.close();
  });
});

describe("Silero VAD speech frames (stable-vad.ts)", () => {
  /** The whole utterance, as the VAD reports it at END_OF_SPEECH, read only after the VAD has moved on. */
  async function endOfSpeechAudioReadLate(v: VAD, audio: Int16Array): Promise<Int16Array> {
    const stream = v.stream();
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    // Read only once the VAD has gone through all of it (the last inference is at the end of the audio).
    const events: VADEvent[] = [];
    const total = audio.length;
    const deadline = Date.now() + 20_000;
    let end: VADEvent | undefined;
    await new Promise((r) => setTimeout(r, 1500));
    let processed = 0;
    while ((!end || processed < total - 16_000) && Date.now() < deadline) {
      const { value, done } = await stream.next();
      if (done) break;
      events.push(value);
      processed = Math.max(processed, value.samplesIndex);
      if (value.type === VADEventType.END_OF_SPEECH) end = value;
    }
    stream.close();
    expect(end).toBeDefined();
    expect(processed).toBeGreaterThanOrEqual(total - 16_000); // events were already queued well past the utterance
    return concatSamples(end!.frames.map((f) => f.data));
  }

  it("an utterance's audio is intact when it is read after the VAD has moved on (not overwritten by later silence)", async () => {
    const words = resample(speak("what time do you open"), 24_000, 16_000);
    const audio = concatSamples([silence(16_000, 1000), words, silence(16_000, 2000)]);
    // The onset: the first 20 ms of the words that are clearly not silence.
    const start = words.findIndex((s) => Math.abs(s) > 1000);
    const onset = words.slice(start, start + 320);
    const contains = (haystack: Int16Array, needle: Int16Array) => {
      outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
        for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
        return true;
      }
      return false;
    };
    const stable = await endOfSpeechAudioReadLate(stableSpeechFrames(vad), audio);
    expect(contains(stable, onset)).toBe(true);
    expect(contains(stable, words.slice(-3200))).toBe(true);
    // The plugin alone hands out a view of its buffer, overwritten by then: what the wrapper is there for.
    const raw = await endOfSpeechAudioReadLate(vad, audio);
    expect(contains(raw, onset)).toBe(false);
  });

  it("the wrapped VAD is still the same VAD", () => {
    const wrapped = stableSpeechFrames(vad);
    expect(wrapped).toBeInstanceOf(silero.VAD);
    expect(wrapped.minSilenceDuration).toBe(vad.minSilenceDuration);
    expect(stableSpeechFrames(wrapped)).toBe(wrapped);
  });
});

describe("Silero for many calls (silero.ts)", () => {
  /** Where `v` finds speech in `audio`: the sample indexes of its start and end of speech events. */
  async function speechBounds(v: VAD, audio: Int16Array): Promise<number[]> {
    const stream = v.stream();
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    const bounds: number[] = [];
    for await (const event of stream) {
      if (event.type === VADEventType.START_OF_SPEECH || event.type === VADEventType.END_OF_SPEECH) bounds.push(event.samplesIndex);
      if (event.type === VADEventType.END_OF_SPEECH) break;
    }
    stream.close();
    return bounds;
  }

  it("gives every call its own VAD over one loaded model, finding speech exactly where the plugin's own VAD does", async () => {
    const model = await SileroModel.load();
    const [a, b] = [model.forCall(), model.forCall()];
    expect(a).not.toBe(b);
    expect(a).toBeInstanceOf(silero.VAD);
    const audio = concatSamples([silence(16_000, 500), resample(speak("what time do you open"), 24_000, 16_000), silence(16_000, 1500)]);
    const expected = await speechBounds(vad, audio);
    expect(expected).toHaveLength(2);
    // Two calls at once on the shared model: each stream keeps its own state.
    expect(await Promise.all([speechBounds(a, audio), speechBounds(b, audio)])).toEqual([expected, expected]);
  });
});

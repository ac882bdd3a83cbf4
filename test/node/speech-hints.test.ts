import { spawnSync } from "node:child_process";
import { type VAD, stt } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, decodeWav, frames, resample, silence } from "../../agent/audio.ts";
import { createSpeech } from "../../agent/providers/index.ts";
import { SphinxSTT } from "../../agent/providers/sphinx-stt.ts";
import { type UtteranceHint, utteranceHint } from "../../protocol/speech-contexts.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";

/**
 * Speech hints (conversation setting `speechKeyterms`, a bot message's `hints.stt.keyterms` and `<context name>`)
 * reaching the recognizers.
 */
let vad: VAD;
const keyterms = (...terms: string[]): UtteranceHint => ({ keyterms: terms, contextKeyterms: [], numerals: false, grammarRules: [] });
const contextHint = (name: string) => utteranceHint([name], [], "en-US").hint;

beforeAll(async () => {
  initLogger();
  vad = await silero.VAD.load();
});

describe("Deepgram: the service's key terms on the connection, a message's for the next utterance", () => {
  let fake: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeAll(async () => {
    fake = await startFakeDeepgram(["I would like a calzone."]);
  });
  afterAll(() => fake.close());

  it("sends keyterm for Nova-3, reconfigures for the next utterance with Configure and back after its final transcript", async () => {
    const speech = createSpeech({ deepgramApiKey: "k", deepgramUrl: fake.url }, "en-US", vad, undefined, ["Margherita", "calzone"]);
    const stream = speech.stt.stream();
    const events: stt.SpeechEvent[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(ev);
        if (ev.type === stt.SpeechEventType.END_OF_SPEECH) break;
      }
    })();
    stream.pushFrame([...frames(silence(16_000, 20), 16_000)][0]!);
    const conn = await waitFor(() => fake.connections[0], 5000, "the connection");
    expect(conn.query.getAll("keyterm")).toEqual(["Margherita", "calzone"]);
    expect(conn.query.getAll("keywords")).toEqual([]);

    expect(speech.hintNextUtterance(keyterms("quattro formaggi"))).toBe(true);
    await waitFor(() => conn.configuredKeyterms.length === 1, 5000, "Configure");
    expect(conn.configures[0]).toEqual({ type: "Configure", keyterms: ["Margherita", "calzone", "quattro formaggi"] });

    const audio = concatSamples([silence(16_000, 200), resample(speak("i would like a calzone"), 24_000, 16_000), silence(16_000, 800)]);
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    expect(events.find((e) => e.type === stt.SpeechEventType.FINAL_TRANSCRIPT)?.alternatives?.[0]?.text).toBe("I would like a calzone.");
    await waitFor(() => conn.configuredKeyterms.length === 2, 5000, "Configure back");
    expect(conn.configuredKeyterms[1]).toEqual(["Margherita", "calzone"]);
    expect(conn.configureFailures).toEqual([]);
    stream.endInput();
    stream.close();
  });

  it("a digits context on Nova-3: its key terms and numerals for the next utterance, both undone after its final transcript", async () => {
    fake.push("4 2 7 1");
    const before = fake.connections.length;
    const speech = createSpeech({ deepgramApiKey: "k", deepgramUrl: fake.url }, "en-US", vad, undefined, ["Margherita"]);
    const stream = speech.stt.stream();
    const reading = (async () => {
      for await (const ev of stream) if (ev.type === stt.SpeechEventType.END_OF_SPEECH) break;
    })();
    stream.pushFrame([...frames(silence(16_000, 20), 16_000)][0]!);
    const conn = await waitFor(() => fake.connections[before], 5000, "the connection");
    expect(conn.query.getAll("keyterm")).toEqual(["Margherita"]);
    expect(speech.hintNextUtterance(contextHint("digits"))).toBe(true);
    await waitFor(() => conn.configures.length === 1, 5000, "Configure");
    expect(conn.configures[0]).toEqual({ type: "Configure", keyterms: ["Margherita", "zero", "oh", "double", "triple"], features: { numerals: true } });
    const audio = concatSamples([silence(16_000, 200), resample(speak("four two seven one"), 24_000, 16_000), silence(16_000, 800)]);
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    await waitFor(() => conn.configures.length === 2, 5000, "Configure back");
    expect(conn.configures[1]).toEqual({ type: "Configure", keyterms: ["Margherita"], features: { numerals: false } });
    expect(conn.configureFailures).toEqual([]);
    stream.endInput();
    stream.close();
  });

  it("sends keywords for older models, which cannot take key terms mid-stream", async () => {
    const speech = createSpeech({ deepgramApiKey: "k", deepgramUrl: fake.url }, "fr-FR", vad, undefined, ["croque monsieur"]);
    const stream = speech.stt.stream();
    stream.pushFrame([...frames(silence(16_000, 20), 16_000)][0]!);
    const conn = await waitFor(() => fake.connections.find((c) => c.query.get("model") === "nova-2"), 5000, "the connection");
    expect(conn.query.getAll("keywords")).toEqual(["croque monsieur"]);
    expect(conn.query.getAll("keyterm")).toEqual([]);
    expect(speech.hintNextUtterance(keyterms("galette"))).toBe(false);
    expect(speech.hintNextUtterance(contextHint("digits"))).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(conn.configures).toEqual([]);
    stream.endInput();
    stream.close();
  });
});

describe("Flux: key terms on the connection (keyterm) and for the next utterance (Configure)", () => {
  let fake: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeAll(async () => {
    fake = await startFakeDeepgram(["4271"]);
  });
  afterAll(() => fake.close());

  it("sends the service's key terms as keyterm, a context's with Configure (no features: Flux has none), and back after EndOfTurn", async () => {
    const speech = createSpeech({ deepgramApiKey: "k", deepgramUrl: fake.url, flux: true }, "en-US", vad, undefined, ["Margherita"]);
    expect(speech.sttName).toBe("deepgram-flux");
    const stream = speech.stt.stream();
    const events: stt.SpeechEvent[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(ev);
        if (ev.type === stt.SpeechEventType.END_OF_SPEECH) break;
      }
    })();
    stream.pushFrame([...frames(silence(16_000, 20), 16_000)][0]!);
    const conn = await waitFor(() => fake.connections[0], 5000, "the connection");
    expect(conn.path).toBe("/v2/listen");
    expect(conn.query.getAll("keyterm")).toEqual(["Margherita"]);

    // Numerals alone are nothing Flux can take mid-stream.
    expect(speech.hintNextUtterance({ keyterms: [], contextKeyterms: [], numerals: true, grammarRules: ["digits"] })).toBe(false);
    expect(speech.hintNextUtterance(contextHint("digits"))).toBe(true);
    await waitFor(() => conn.configures.length === 1, 5000, "Configure");
    expect(conn.configures[0]).toEqual({ type: "Configure", keyterms: ["Margherita", "zero", "oh", "double", "triple"] });

    const audio = concatSamples([silence(16_000, 200), resample(speak("four two seven one"), 24_000, 16_000), silence(16_000, 800)]);
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    expect(events.find((e) => e.type === stt.SpeechEventType.FINAL_TRANSCRIPT)?.alternatives?.[0]?.text).toBe("4271");
    await waitFor(() => conn.configures.length === 2, 5000, "Configure back");
    expect(conn.configures[1]).toEqual({ type: "Configure", keyterms: ["Margherita"] });
    expect(conn.configureFailures).toEqual([]);
    stream.endInput();
    stream.close();
  });
});

describe("the offline recognizer: key terms join its phrase grammar", () => {
  const espeak = (text: string) => {
    const { samples, sampleRate } = decodeWav(spawnSync("espeak-ng", ["-v", "en-us", "--stdout", text]).stdout);
    return [...frames(concatSamples([silence(16_000, 200), resample(samples, sampleRate, 16_000), silence(16_000, 200)]), 16_000)];
  };
  const phrases = ["what time do you open", "i want to cancel my order"];

  it("hears a service key term the grammar would otherwise fit to another phrase, and a message's only in the next utterance", async () => {
    const without = new SphinxSTT({ phrases });
    // "calzone" is not in the pronunciation dictionary: left out rather than breaking recognition.
    const withTerms = new SphinxSTT({ phrases, keyterms: ["salmon", "calzone"] });
    try {
      expect((await without.recognize(espeak("salmon"))).alternatives?.[0]?.text).not.toBe("salmon");
      expect((await withTerms.recognize(espeak("salmon"))).alternatives?.[0]?.text).toBe("salmon");
      expect(withTerms.hintNextUtterance(keyterms("lasagna"))).toBe(true);
      expect((await withTerms.recognize(espeak("lasagna"))).alternatives?.[0]?.text).toBe("lasagna");
      expect((await withTerms.recognize(espeak("lasagna"))).alternatives?.[0]?.text).not.toBe("lasagna");
    } finally {
      await without.close();
      await withTerms.close();
    }
  });

  it("a digits context: its rule is the next utterance's grammar (digits heard), then the service's phrases again", async () => {
    const sphinx = new SphinxSTT({ phrases });
    const general = new SphinxSTT({});
    try {
      expect(await sphinx.nextGrammar()).not.toContain("<digits>");
      expect((await sphinx.recognize(espeak("one two three four"))).alternatives?.[0]?.text).not.toBe("one two three four");
      expect(sphinx.hintNextUtterance(contextHint("digits"))).toBe(true);
      expect(await sphinx.nextGrammar()).toContain("public <utterance> = what time do you open | i want to cancel my order | <digits> ;");
      expect((await sphinx.recognize(espeak("one two three four"))).alternatives?.[0]?.text).toBe("one two three four");
      expect(await sphinx.nextGrammar()).not.toContain("<digits>");
      expect((await sphinx.recognize(espeak("one two three four"))).alternatives?.[0]?.text).not.toBe("one two three four");
      // Without phrases (the general model), a context makes a grammar for its utterance.
      expect(await general.nextGrammar()).toBeUndefined();
      expect(general.hintNextUtterance(contextHint("digits"))).toBe(true);
      expect((await general.recognize(espeak("three one four one five"))).alternatives?.[0]?.text).toBe("three one four one five");
      expect(await general.nextGrammar()).toBeUndefined();
    } finally {
      await sphinx.close();
      await general.close();
    }
  });
});

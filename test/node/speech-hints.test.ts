import { spawnSync } from "node:child_process";
import { type VAD, stt } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, decodeWav, frames, resample, silence } from "../../agent/audio.ts";
import { createSpeech } from "../../agent/providers/index.ts";
import { SphinxSTT } from "../../agent/providers/sphinx-stt.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";

/** Speech hints (conversation setting `speechKeyterms`, a bot message's `hints.stt.keyterms`) reaching the recognizers. */
let vad: VAD;

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

    expect(speech.hintNextUtterance(["quattro formaggi"])).toBe(true);
    await waitFor(() => conn.configuredKeyterms.length === 1, 5000, "Configure");
    expect(conn.configuredKeyterms[0]).toEqual(["Margherita", "calzone", "quattro formaggi"]);

    const audio = concatSamples([silence(16_000, 200), resample(speak("i would like a calzone"), 24_000, 16_000), silence(16_000, 800)]);
    for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
    await reading;
    expect(events.find((e) => e.type === stt.SpeechEventType.FINAL_TRANSCRIPT)?.alternatives?.[0]?.text).toBe("I would like a calzone.");
    await waitFor(() => conn.configuredKeyterms.length === 2, 5000, "Configure back");
    expect(conn.configuredKeyterms[1]).toEqual(["Margherita", "calzone"]);
    stream.endInput();
    stream.close();
  });

  it("sends keywords for older models, which cannot take key terms mid-stream", async () => {
    const speech = createSpeech({ deepgramApiKey: "k", deepgramUrl: fake.url }, "fr-FR", vad, undefined, ["croque monsieur"]);
    const stream = speech.stt.stream();
    stream.pushFrame([...frames(silence(16_000, 20), 16_000)][0]!);
    const conn = await waitFor(() => fake.connections[1], 5000, "the connection");
    expect(conn.query.get("model")).toBe("nova-2");
    expect(conn.query.getAll("keywords")).toEqual(["croque monsieur"]);
    expect(conn.query.getAll("keyterm")).toEqual([]);
    expect(speech.hintNextUtterance(["galette"])).toBe(false);
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
      expect(withTerms.hintNextUtterance(["lasagna"])).toBe(true);
      expect((await withTerms.recognize(espeak("lasagna"))).alternatives?.[0]?.text).toBe("lasagna");
      expect((await withTerms.recognize(espeak("lasagna"))).alternatives?.[0]?.text).not.toBe("lasagna");
    } finally {
      await without.close();
      await withTerms.close();
    }
  });
});

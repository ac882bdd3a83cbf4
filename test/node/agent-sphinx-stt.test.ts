import { spawnSync } from "node:child_process";
import { type VAD, stt } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatSamples, decodeWav, frames, silence } from "../../agent/audio.ts";
import { createSpeech } from "../../agent/providers/index.ts";
import { SphinxSTT, transcriptPosterior } from "../../agent/providers/sphinx-stt.ts";
import { initLogger } from "../agent/helpers.ts";

const PHRASES = ["hello i would like to book a table for two", "what time do you open", "i want to cancel my order", "yes please"];

/**
 * Real audio at 16 kHz, the same every run: espeak-ng speech (or sox's white noise) resampled by sox, repeatable
 * and without dither. LiveKit's resampler (agent/audio.ts) does not return the same samples twice, and
 * pocketsphinx's general model changes its mind on single words with that.
 */
function wav16k(source: { speak: string } | { noise: number }): Int16Array {
  const repeatable = ["-R", "-D"];
  const toWav = ["-r", "16000", "-b", "16", "-c", "1", "-t", "wav", "-"];
  const out =
    "speak" in source
      ? spawnSync("sox", [...repeatable, "-t", "wav", "-", ...toWav], { input: spawnSync("espeak-ng", ["-v", "en-us", "--stdout", "--", source.speak]).stdout })
      : spawnSync("sox", [...repeatable, "-n", ...toWav, "synth", "1.5", "whitenoise", "vol", String(source.noise)]);
  if (out.status !== 0) throw new Error(`sox failed: ${out.stderr.toString()}`);
  return decodeWav(out.stdout).samples;
}

async function recognize(sphinx: SphinxSTT, audio: Int16Array): Promise<stt.SpeechData> {
  const event = await sphinx.recognize([...frames(audio, 16_000)]);
  return event.alternatives![0]!;
}

describe("transcriptPosterior: P(S|O) from pocketsphinx's log", () => {
  it("is the lattice posterior of the utterance, a power of the log base 1.0001", () => {
    const log = "INFO: ps_lattice.c(1381): Normalizer P(O) = alpha(</s>:62:100) = -305776\nINFO: ps_lattice.c(1441): Joint P(O,S) = -369657 P(S|O) = -63881\n";
    expect(transcriptPosterior(log)).toBeCloseTo(Math.exp(-63881 * Math.log(1.0001)), 6); // ≈ 0.0017
  });

  it("multiplies the posteriors of the utterances the audio was cut into, and never exceeds 1", () => {
    const two = "Joint P(O,S) = -1 P(S|O) = -7278\n…\nJoint P(O,S) = -2 P(S|O) = -1131\n";
    expect(transcriptPosterior(two)).toBeCloseTo(1.0001 ** -(7278 + 1131), 6);
    expect(transcriptPosterior("Joint P(O,S) = -5 P(S|O) = 2\n")).toBe(1);
  });

  it("is undefined when pocketsphinx computed none (its grammar search logs no posterior)", () => {
    expect(transcriptPosterior("INFO: fsg_search.c(868): fsg 0.01 CPU 0.013 xRT\n")).toBeUndefined();
  });
});

describe("offline recognizer on real espeak-ng speech", () => {
  let vad: VAD;
  let general: SphinxSTT;
  let grammar: SphinxSTT;
  beforeAll(async () => {
    initLogger();
    vad = await silero.VAD.load();
    general = new SphinxSTT({});
    grammar = new SphinxSTT({ phrases: PHRASES });
  });
  afterAll(async () => {
    await general.close();
    await grammar.close();
  });

  it("general model: its posterior is high for a word it gets right, low for speech it garbles and for noise", async () => {
    const right = await recognize(general, wav16k({ speak: "right" }));
    expect(right.text).toBe("right");
    const garbled = await recognize(general, wav16k({ speak: "what time do you open" }));
    expect(garbled.text).not.toBe("what time do you open");
    const noise = await recognize(general, wav16k({ noise: 0.3 }));
    expect(noise.text).not.toBe("");

    expect(right.confidence).toBeGreaterThan(0.5);
    expect(right.confidence).toBeLessThanOrEqual(1);
    expect(garbled.confidence).toBeLessThan(right.confidence / 2);
    expect(noise.confidence).toBeLessThan(right.confidence / 2);
  });

  it("grammar: no confidence, since pocketsphinx computes none and fits speech outside the grammar to a phrase", async () => {
    const said = await recognize(grammar, wav16k({ speak: "yes please" }));
    expect(said.text).toBe("yes please");
    expect(said.confidence).toBeUndefined();
    const outside = await recognize(grammar, wav16k({ speak: "what time do you close" }));
    expect(outside.text).toBe("what time do you open");
    expect(outside.confidence).toBeUndefined();
  });

  it("labels transcripts en-US, the language its model recognises, even on a service in another language", async () => {
    const stream = createSpeech({ offlinePhrases: PHRASES }, "fr-FR", vad).stt.stream();
    const audio = concatSamples([silence(16_000, 300), wav16k({ speak: "yes please" }), silence(16_000, 1000)]);
    for (const frame of frames(audio, 16_000)) stream.pushFrame(frame);
    let final: stt.SpeechEvent | undefined;
    for await (const event of stream) {
      if (event.type !== stt.SpeechEventType.FINAL_TRANSCRIPT) continue;
      final = event;
      break;
    }
    stream.close();
    expect(final?.alternatives?.[0]).toMatchObject({ text: "yes please", language: "en-US" });
  });
});

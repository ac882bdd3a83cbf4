import * as silero from "@livekit/agents-plugin-silero";
import type { InferenceSession } from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { concatSamples, frames, resample, silence } from "../../agent/audio.ts";
import { SILERO_OPTIONS, SileroModel } from "../../agent/providers/silero.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger } from "../agent/helpers.ts";

const WINDOW = 512; // Silero's window at 16 kHz
const CONTEXT = 64; // the samples of the previous window the plugin puts before each one

beforeAll(() => initLogger());

/** A Silero VAD stream over the real model that records each window the plugin runs it on. */
async function recordingStream() {
  const { session } = await SileroModel.load();
  const windows: Float32Array[] = [];
  const recording = {
    run: (feeds: { input: { data: Float32Array } }, ...rest: unknown[]) => {
      windows.push(feeds.input.data.slice()); // the plugin reuses its buffer
      return (session.run as (...args: unknown[]) => unknown)(feeds, ...rest);
    },
  };
  const stream = new silero.VAD(recording as unknown as InferenceSession, SILERO_OPTIONS).stream();
  /** Resolves once the plugin has run no new window for 100 ms: it has used all it can of what it was given. */
  const settled = async () => {
    for (let seen = -1; seen !== windows.length; ) {
      seen = windows.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { stream, windows, settled };
}

const speech = () => concatSamples([silence(16_000, 300), resample(speak("what time do you open"), 24_000, 16_000), silence(16_000, 300)]);

describe("Silero's windows (patches/@livekit+agents-plugin-silero)", () => {
  it("hands the model every window of the caller's audio as samples / 32767, after the previous window's tail", async () => {
    const audio = speech();
    const { stream, windows, settled } = await recordingStream();
    for (const frame of frames(audio, 16_000, 40)) stream.pushFrame(frame);
    await settled();
    stream.close();

    expect(windows).toHaveLength(Math.floor(audio.length / WINDOW));
    windows.forEach((input, k) => {
      const reference = Float32Array.from(audio.subarray(k * WINDOW, (k + 1) * WINDOW), (x) => x / 32767);
      const previousTail = k === 0 ? new Float32Array(CONTEXT) : Float32Array.from(audio.subarray(k * WINDOW - CONTEXT, k * WINDOW), (x) => x / 32767);
      expect(input.subarray(CONTEXT)).toEqual(reference);
      expect(input.subarray(0, CONTEXT)).toEqual(previousTail);
    });
    // The speech is there, so the comparison is not between two silences.
    expect(windows.some((input) => input.some((x) => Math.abs(x) > 0.1))).toBe(true);
  });

  it("runs each window as soon as its samples have come, not a frame later", async () => {
    const audio = speech().subarray(0, 16_000); // 1 s: 25 frames of 40 ms
    const { stream, windows, settled } = await recordingStream();
    const runsAfterEachFrame: number[] = [];
    let pushed = 0;
    for (const frame of frames(audio, 16_000, 40)) {
      stream.pushFrame(frame);
      pushed += frame.samplesPerChannel;
      await settled();
      runsAfterEachFrame.push(windows.length);
    }
    stream.close();
    const due = runsAfterEachFrame.map((_, k) => Math.floor(((k + 1) * 640) / WINDOW));
    expect(pushed).toBe(16_000);
    expect(runsAfterEachFrame).toEqual(due);
  });
});

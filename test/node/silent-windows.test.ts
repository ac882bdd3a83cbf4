import { type VAD, VADEventType } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { beforeAll, describe, expect, it } from "vitest";
import { concatSamples, frames, resample, silence } from "../../agent/audio.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger } from "../agent/helpers.ts";

/** Where `v` finds speech in `audio`: the sample indexes of every start and end of speech. */
async function speechBounds(v: VAD, audio: Int16Array, ends: number): Promise<number[]> {
  const stream = v.stream();
  for (const frame of frames(audio, 16_000, 20)) stream.pushFrame(frame);
  const bounds: number[] = [];
  for await (const event of stream) {
    if (event.type === VADEventType.START_OF_SPEECH || event.type === VADEventType.END_OF_SPEECH) bounds.push(event.samplesIndex);
    if (bounds.length === ends * 2) break;
  }
  stream.close();
  return bounds;
}

beforeAll(() => initLogger());

describe("Silero over silence (silent-windows.ts)", () => {
  it("answers windows of settled silence without the model, finding speech exactly where the model alone does", async () => {
    const words = (text: string) => resample(speak(text), 24_000, 16_000);
    const audio = concatSamples([silence(16_000, 2500), words("what time do you open"), silence(16_000, 3000), words("yes please"), silence(16_000, 2500)]);
    const model = await SileroModel.load();
    const plain = await silero.VAD.load();
    const expected = await speechBounds(plain, audio, 2);
    expect(expected).toHaveLength(4);
    expect(await speechBounds(model.forCall(), audio, 2)).toEqual(expected);
    // Most of the 8 s of silence was not run through the model.
    const { skipped, run } = model.windows.counts;
    expect(skipped).toBeGreaterThan(100);
    expect(run).toBeGreaterThan(0);
  });

  it("runs the model on quiet noise (not digital silence)", async () => {
    const model = await SileroModel.load();
    const noise = Int16Array.from({ length: 16_000 * 3 }, () => Math.round((Math.random() - 0.5) * 200)); // ≈ −50 dBFS
    await speechBounds(model.forCall(), concatSamples([noise, resample(speak("hello"), 24_000, 16_000), noise]), 1).catch(() => undefined);
    expect(model.windows.counts.skipped).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { warmUpSpeech } from "../../agent/warm-up.ts";
import { RecordingSink, initLogger } from "../agent/helpers.ts";

describe("warmUpSpeech: a fresh process runs the reply path once before it takes calls", () => {
  it("speaks its sentence of silence through a session, our synthesis plumbing and the paced output, then closes", async () => {
    initLogger();
    const sink = new RecordingSink();
    await warmUpSpeech(sink);
    // 60 ms at 24 kHz, as the TTS frames it (one 40 ms frame, then the 20 ms rest), through the framework to the sink, all silent.
    expect(sink.chunks.map((c) => c.frame.samplesPerChannel)).toEqual([960, 480]);
    expect(sink.chunks.every((c) => c.frame.sampleRate === 24_000 && c.frame.data.every((v) => v === 0))).toBe(true);
  });
});

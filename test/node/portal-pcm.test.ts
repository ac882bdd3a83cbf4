import { describe, expect, it } from "vitest";
import { concatSamples } from "../../agent/audio.ts";
import { Downsampler, FrameChunker, PlaybackQueue } from "../../web/src/lib/pcm.ts";

// The browser call's audio conversions (web/src/lib/pcm.ts), which its AudioWorklet runs on 128-sample blocks.

const sine = (rate: number, hz: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

function inBlocks<T>(samples: Float32Array, size: number, push: (block: Float32Array) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < samples.length; i += size) out.push(push(samples.subarray(i, i + size)));
  return out;
}

describe("microphone → PCM16 16 kHz", () => {
  it("48 kHz: one sample in three, the mean of its three, whatever the block size", () => {
    const input = sine(48_000, 440, 1);
    const down = new Downsampler(48_000, 16_000);
    const out = concatSamples(inBlocks(input, 128, (b) => down.push(b)));
    expect(out.length).toBe(16_000);
    for (const i of [0, 1, 777, 15_999]) {
      const mean = (input[3 * i]! + input[3 * i + 1]! + input[3 * i + 2]!) / 3;
      expect(Math.abs(out[i]! - mean * 32767), `sample ${i}`).toBeLessThanOrEqual(1);
    }
    const whole = new Downsampler(48_000, 16_000).push(input);
    expect(whole).toEqual(out);
  });

  it("44.1 kHz: 16,000 samples a second with no drift across blocks, and the tone kept", () => {
    const input = sine(44_100, 440, 3);
    const down = new Downsampler(44_100, 16_000);
    const out = concatSamples(inBlocks(input, 128, (b) => down.push(b)));
    expect(out.length).toBe(48_000);
    // Still a 440 Hz tone of the same strength: 880 zero crossings a second, RMS 0.5/√2.
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if (out[i - 1]! < 0 !== out[i]! < 0) crossings++;
    expect(Math.abs(crossings - 3 * 880)).toBeLessThanOrEqual(2);
    const rms = Math.sqrt(out.reduce((sum, v) => sum + (v / 32767) ** 2, 0) / out.length);
    expect(Math.abs(rms - 0.5 / Math.SQRT2)).toBeLessThan(0.005);
  });

  it("clips what is beyond full scale", () => {
    const down = new Downsampler(16_000, 16_000);
    expect([...down.push(Float32Array.from([2, -2, 1, -1, 0]))]).toEqual([32767, -32768, 32767, -32768, 0]);
    expect(() => new Downsampler(8000, 16_000)).toThrow(RangeError);
  });
});

describe("20 ms frames", () => {
  it("cuts a stream into frames of 320 samples, keeping the rest for the next", () => {
    const chunker = new FrameChunker(320);
    expect(chunker.push(new Int16Array(300))).toEqual([]);
    const frames = chunker.push(Int16Array.from({ length: 100 }, (_, i) => i + 1));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(320);
    expect(frames[0]![299]).toBe(0);
    expect(frames[0]![300]).toBe(1);
    const next = chunker.push(new Int16Array(240)); // 80 kept + 240
    expect(next).toHaveLength(1);
    expect(next[0]![0]).toBe(21);
    expect(next[0]!.buffer).not.toBe(frames[0]!.buffer); // each frame can be transferred
  });
});

describe("the agent's PCM16 24 kHz → the speaker", () => {
  it("at 48 kHz: every sample, with the midpoint between each two", () => {
    const queue = new PlaybackQueue(24_000, 48_000);
    queue.push(Int16Array.from([0, 16384, -16384, 8192]));
    const out = new Float32Array(8);
    expect(queue.read(out)).toBe(6);
    expect([...out]).toEqual([0, 0.25, 0.5, 0, -0.5, -0.125, 0, 0]);
  });

  it("plays a long stream whole and in order across reads and pushes", () => {
    const queue = new PlaybackQueue(24_000, 24_000);
    const sent = Int16Array.from({ length: 24_000 }, (_, i) => (i % 2000) - 1000);
    let played: number[] = [];
    for (let i = 0; i < sent.length; i += 480) {
      queue.push(sent.subarray(i, i + 480));
      const out = new Float32Array(128);
      for (let n = queue.read(out); n > 0; n = queue.read(out)) played = played.concat([...out.subarray(0, n)].map((v) => Math.round(v * 32768)));
    }
    // The last sample waits for the next one (to interpolate towards).
    expect(played).toEqual([...sent.subarray(0, sent.length - 1)]);
  });

  it("drops what is queued on clear, and plays silence when there is nothing", () => {
    const queue = new PlaybackQueue(24_000, 48_000);
    queue.push(new Int16Array(2400).fill(10_000));
    const out = new Float32Array(128);
    expect(queue.read(out)).toBe(128);
    queue.clear();
    out.fill(1);
    expect(queue.read(out)).toBe(0);
    expect(out.every((v) => v === 0)).toBe(true);
    queue.push(Int16Array.from([16384, 16384, 16384]));
    expect(queue.read(out)).toBe(4);
    expect(out[0]).toBe(0.5);
  });
});

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { decodeWav, resample, rms } from "../../agent/audio.ts";
import { downmix, pcmToWav, wavToCallerAudio } from "../../cli/wav.ts";

describe("the terminal caller's WAV handling", () => {
  it("turns espeak-ng's 22.05 kHz WAV into the agent's 16 kHz mono PCM16", () => {
    const wav = spawnSync("espeak-ng", ["-v", "en-us", "--stdout", "hello there"]).stdout;
    const original = decodeWav(wav);
    expect(original.sampleRate).toBe(22_050);
    const samples = wavToCallerAudio(wav);
    expect(samples.length).toBeCloseTo((original.samples.length * 16_000) / 22_050, -1);
    expect(rms(samples)).toBeCloseTo(rms(resample(original.samples, 22_050, 16_000)), 2);
  });

  it("mixes stereo float recordings down to one channel", () => {
    const left = new Float32Array(4800).map((_, i) => 0.5 * Math.sin(i / 5));
    const right = new Float32Array(4800);
    const stereo = new wavefile.WaveFile();
    stereo.fromScratch(2, 48_000, "32f", [left, right]);
    const samples = wavToCallerAudio(stereo.toBuffer());
    expect(samples.length).toBe(1600);
    expect(rms(samples)).toBeGreaterThan(0.12);
    expect(rms(samples)).toBeLessThan(0.2);
    expect([...downmix([Int16Array.of(100, -100), Int16Array.of(300, 100)])]).toEqual([200, 0]);
  });

  it("writes PCM16 mono WAVs that read back the same, and refuses what is not a WAV", () => {
    const samples = Int16Array.from({ length: 2400 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    const wav = pcmToWav(samples, 24_000);
    const read = decodeWav(Buffer.from(wav));
    expect(read.sampleRate).toBe(24_000);
    expect([...read.samples]).toEqual([...samples]);
    expect(() => wavToCallerAudio(Buffer.from("not a wav at all"))).toThrow(/^not a WAV file we can read/);
  });
});

import { describe, expect, it } from "vitest";
import { concatSamples, resample, silence } from "../../agent/audio.ts";
import { voicedEnd } from "../../scripts/load/voiced.ts";
import { speak } from "../agent/fake-openai.ts";

const RATE = 16_000;
const ms = (n: number) => Math.round((RATE * n) / 1000);

function tone(durationMs: number, amplitude: number, hz = 440): Int16Array {
  return Int16Array.from({ length: ms(durationMs) }, (_, i) => Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / RATE)));
}

/** Low-level hiss (±`peak` of full scale), the same every run. */
function hiss(durationMs: number, peak: number): Int16Array {
  let seed = 42;
  return Int16Array.from({ length: ms(durationMs) }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.round((seed / 2 ** 31 - 0.5) * 2 * peak * 32767);
  });
}

describe("voicedEnd: one past the last voiced sample", () => {
  it("silence, tone, silence: the tone's last sample", () => {
    const audio = concatSamples([silence(RATE, 200), tone(500, 0.3), silence(RATE, 300)]);
    const end = voicedEnd(audio, RATE);
    expect(end).toBeLessThanOrEqual(ms(700));
    expect(end).toBeGreaterThan(ms(700) - ms(1));
  });

  it("hiss whose peaks pass the threshold but whose level does not is not speech", () => {
    const audio = concatSamples([hiss(200, 0.007), tone(500, 0.3), hiss(300, 0.007)]);
    const end = voicedEnd(audio, RATE);
    expect(end).toBeLessThanOrEqual(ms(700));
    expect(end).toBeGreaterThan(ms(700) - ms(1));
  });

  it("a faint tail at −40 dBFS is still speech", () => {
    const audio = concatSamples([tone(300, 0.3), tone(40, 0.01), silence(RATE, 300)]);
    expect(voicedEnd(audio, RATE)).toBeGreaterThan(ms(340) - ms(1));
  });

  it("all silence: 0; voice to the very end: the whole length", () => {
    expect(voicedEnd(silence(RATE, 500), RATE)).toBe(0);
    expect(voicedEnd(new Int16Array(0), RATE)).toBe(0);
    const voice = concatSamples([silence(RATE, 100), tone(205, 0.3, 500)]);
    expect(voicedEnd(voice, RATE)).toBe(voice.length);
  });

  it("espeak-ng's speech ends well before its buffer does (what the voice bench used to count as speech)", () => {
    const words = resample(speak("yes please"), 24_000, RATE);
    const end = voicedEnd(words, RATE);
    expect(end).toBeGreaterThan(ms(500));
    expect(words.length - end).toBeGreaterThan(ms(250));
  });
});

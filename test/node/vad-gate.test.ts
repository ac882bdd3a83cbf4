import { ReadableStream } from "node:stream/web";
import { VADEventType } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { beforeAll, describe, expect, it } from "vitest";
import { concatSamples, frames, resample, silence } from "../../agent/audio.ts";
import { AudioClock } from "../../agent/audio-clock.ts";
import { gatedFrames, gatedVad } from "../../agent/providers/gated-vad.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { SETTLED_SILENCE_MS } from "../../agent/providers/silent-windows.ts";
import { GATE_TAIL_MS, SettledSilence, VadGate } from "../../agent/providers/vad-gate.ts";
import { TurnTiming } from "../../agent/turn-timing.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger } from "../agent/helpers.ts";

beforeAll(() => initLogger());

describe("the VAD's gate (vad-gate.ts)", () => {
  it("opens while the bot speaks, stays open for the tail after it, and closes then", () => {
    const changes: [boolean, number][] = [];
    const gate = new VadGate({ onChange: (open, at) => changes.push([open, at]) });
    expect(gate.passes(0)).toBe(false);
    gate.botSpeaking(true, 100);
    expect(gate.passes(150)).toBe(true);
    gate.botSpeaking(false, 2_000);
    expect(gate.passes(2_000 + GATE_TAIL_MS - 20)).toBe(true);
    expect(gate.passes(2_000 + GATE_TAIL_MS)).toBe(false);
    expect(changes).toEqual([
      [true, 100],
      [false, 2_000 + GATE_TAIL_MS],
    ]);
  });

  it("stays open until a speech segment the VAD is in has ended, however long after the bot stopped", () => {
    const gate = new VadGate({ tailMs: 300 });
    gate.botSpeaking(true, 0);
    gate.vadSpeech(true, 900); // the caller talks over the bot
    gate.botSpeaking(false, 1_000);
    expect(gate.passes(5_000)).toBe(true);
    gate.vadSpeech(false, 6_000);
    expect(gate.passes(6_000)).toBe(false);
  });

  it("a second message right after the first keeps it open (no flapping between messages)", () => {
    const changes: boolean[] = [];
    const gate = new VadGate({ onChange: (open) => changes.push(open) });
    gate.botSpeaking(true, 0);
    gate.botSpeaking(false, 1_000);
    gate.passes(1_100);
    gate.botSpeaking(true, 1_200);
    gate.botSpeaking(false, 3_000);
    gate.passes(3_000 + GATE_TAIL_MS);
    expect(changes).toEqual([true, false]);
  });
});

describe("settled silence (vad-gate.ts)", () => {
  // 40 ms frames at 16 kHz (640 samples: a Silero window is 512), numbered.
  const FRAME = 640;
  const feed = (silence: SettledSilence<number>, frames: number[], silent: boolean, inSpeech = false) => frames.map((n) => silence.next(n, silent, FRAME, inSpeech));
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

  it("lets digital silence through until the VAD has heard SETTLED_SILENCE_MS of it, then leaves the rest out", () => {
    const silence = new SettledSilence<number>();
    const heard = Math.ceil(SETTLED_SILENCE_MS / 40);
    const out = feed(silence, range(0, heard + 20), true);
    expect(out.slice(0, heard)).toEqual(range(0, heard).map((n) => [n]));
    expect(out.slice(heard).flat()).toEqual([]);
  });

  it("leaves out only whole windows: the frames held past the last whole window go in before the next frame with sound", () => {
    const silence = new SettledSilence<number>(0);
    // Four 640-sample frames are five 512-sample windows: left out. Three more (1,920 samples) are not a whole number.
    expect(feed(silence, range(0, 7), true).flat()).toEqual([]);
    const [withSound] = feed(silence, [7], false);
    expect(withSound).toEqual([4, 5, 6, 7]);
    expect((4 * FRAME) % 512).toBe(0);
    // After the sound, silence is heard again from nothing (settled at 0 ms here: left out at once).
    expect(feed(silence, [8], true)).toEqual([[]]);
  });

  it("holds at most a second of silence, for frame sizes whose windows never line up", () => {
    const silence = new SettledSilence<number>(0);
    // 333 samples: 512 of them make whole windows, far past a second.
    range(0, 200).forEach((n) => silence.next(n, true, 333, false));
    const released = silence.next(200, false, 333, false);
    expect(released.length).toBeLessThanOrEqual(Math.ceil(16_000 / 333) + 1);
    expect(released.at(-1)).toBe(200);
  });

  it("lets every frame with sound through, and starts counting the silence again after it", () => {
    const silence = new SettledSilence<number>(200);
    expect(feed(silence, range(0, 5), true)).toEqual(range(0, 5).map((n) => [n]));
    expect(feed(silence, [5], true)).toEqual([[]]);
    expect(feed(silence, [6], false)).toEqual([[5, 6]]);
    expect(feed(silence, range(7, 5), true)).toEqual(range(7, 5).map((n) => [n]));
    expect(feed(silence, [12], true)).toEqual([[]]);
  });

  it("lets silence inside a speech segment through however long it lasts (the VAD needs it to end the segment)", () => {
    const silence = new SettledSilence<number>(200);
    expect(feed(silence, range(0, 50), true, true)).toEqual(range(0, 50).map((n) => [n]));
    // The segment over, that silence has been heard: the rest is left out at once.
    expect(feed(silence, [50], true)).toEqual([[]]);
  });
});

describe("gated frames (gated-vad.ts)", () => {
  const frame = (n: number) => new AudioFrame(new Int16Array([n]), 16_000, 1, 1);
  const source = (count: number) => {
    let n = 0;
    return new ReadableStream<AudioFrame>({ pull: (c) => (n < count ? c.enqueue(frame(n++)) : c.close()) });
  };

  it("leaves out the frames the gate refuses, in order", async () => {
    const { stream } = gatedFrames(source(10), (f) => (f.data[0]! % 3 === 0 ? [f] : []));
    const seen: number[] = [];
    for await (const f of stream) seen.push(f.data[0]!);
    expect(seen).toEqual([0, 3, 6, 9]);
  });

  it("puts in every frame select gives for a frame, in order: frames it held first", async () => {
    const held: AudioFrame[] = [];
    const { stream } = gatedFrames(source(6), (f) => (f.data[0]! % 3 === 2 ? held.splice(0).concat(f) : (held.push(f), [])));
    const seen: number[] = [];
    for await (const f of stream) seen.push(f.data[0]!);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("lets go of its source when released, so that another reader can attach to it (the framework restarts its VAD task)", async () => {
    const tee = source(6);
    const first = gatedFrames(tee, (f) => [f]);
    const reader = first.stream.getReader();
    expect((await reader.read()).value!.data[0]).toBe(0);
    first.release();
    expect(tee.locked).toBe(false);
    const seen: number[] = [];
    for await (const f of gatedFrames(tee, (f) => [f]).stream) seen.push(f.data[0]!);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("Silero behind the gate (real model)", () => {
  const words = resample(speak("what time do you open"), 24_000, 16_000);
  // The caller's line carries quiet noise (≈ −50 dBFS), so no window is left out for being digital silence.
  const noisy = (samples: Int16Array) => samples.map((v) => v + Math.round((Math.random() - 0.5) * 200));
  const audio = noisy(concatSamples([silence(16_000, 1000), words, silence(16_000, 1500), words, silence(16_000, 1500)]));
  const secondStartsAt = 1000 + (words.length / 16) + 1500; // ms of audio

  async function run(gate: VadGate | undefined, botSpeaksAt: [number, number], samples = audio) {
    const model = await SileroModel.load();
    let audioMs = 0;
    const stream = (gate ? gatedVad(model.forCall(), gate, () => audioMs) : model.forCall()).stream();
    const all = [...frames(samples, 16_000, 20)];
    let i = 0;
    // Frames come at twice real time (as a call's come in real time, not all at once: the gate decides as they arrive,
    // and the VAD keeps up with them).
    const started = performance.now();
    stream.updateInputStream(
      new ReadableStream<AudioFrame>({
        async pull(controller) {
          if (i >= all.length) return controller.close();
          await new Promise((r) => setTimeout(r, Math.max(0, started + i * 10 - performance.now())));
          audioMs = i * 20;
          if (audioMs === botSpeaksAt[0]) gate?.botSpeaking(true, audioMs);
          if (audioMs === botSpeaksAt[1]) gate?.botSpeaking(false, audioMs);
          controller.enqueue(all[i++]!);
        },
      }),
    );
    const events: { type: VADEventType; at: number; speechMs: number }[] = [];
    const reader = (async () => {
      for await (const event of stream) {
        if (event.type === VADEventType.START_OF_SPEECH || event.type === VADEventType.END_OF_SPEECH) events.push({ type: event.type, at: audioMs, speechMs: event.speechDuration });
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    while (i < all.length) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    stream.close();
    await reader.catch(() => undefined);
    return { events, windows: model.windows.counts.run + model.windows.counts.skipped };
  }

  it("runs no window while the bot is silent: the caller's first words (bot silent) are not seen, the second (over the bot) are, to their end", async () => {
    // The bot speaks from just before the second utterance until its middle: the VAD hears that utterance to its end.
    const botStarts = Math.round((secondStartsAt - 200) / 20) * 20;
    const gate = new VadGate();
    const { events, windows } = await run(gate, [botStarts, botStarts + 600]);
    expect(events.map((e) => e.type)).toEqual([VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH]);
    expect(events[0]!.at).toBeGreaterThan(secondStartsAt);
    // Only the windows from the bot's start to the end of the segment (+ 550 ms of silence) were run: about a third.
    const total = audio.length / 512;
    expect(windows).toBeGreaterThan(20);
    expect(windows).toBeLessThan(total * 0.5);
    expect(gate.isOpen).toBe(false);
  }, 20_000);

  it("with the gate open throughout, finds both utterances (the same VAD, nothing left out)", async () => {
    const gate = new VadGate({ tailMs: 60_000 });
    const { events, windows } = await run(gate, [0, 1]);
    expect(events.map((e) => e.type)).toEqual([VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH, VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH]);
    expect(windows).toBeGreaterThan((audio.length / 512) * 0.9);
  }, 20_000);

  it("on digital silence, the gate open throughout: leaves out the silence the VAD has settled on, and finds the same segments as the VAD with nothing left out", async () => {
    const quiet = concatSamples([silence(16_000, 1000), words, silence(16_000, 2000), words, silence(16_000, 2000)]);
    const plain = await run(undefined, [0, 1], quiet);
    const gated = await run(new VadGate({ tailMs: 60_000 }), [0, 1], quiet);
    expect(plain.events.map((e) => e.type)).toEqual([VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH, VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH]);
    expect(gated.events.map((e) => e.type)).toEqual(plain.events.map((e) => e.type));
    // Each event found at the frame where the VAD with every frame found it (give or take a frame: the events are read
    // as the frames come, at twice real time).
    for (const [i, { at }] of gated.events.entries()) expect(Math.abs(at - plain.events[i]!.at)).toBeLessThanOrEqual(20);
    // The same windows over the speech (whole windows of silence left out): the same speech, to the millisecond.
    expect(gated.events.map((e) => e.speechMs)).toEqual(plain.events.map((e) => e.speechMs));
    // The silence after each segment beyond SETTLED_SILENCE_MS (≈ 2 × 900 ms) never reached Silero.
    expect(plain.windows - gated.windows).toBeGreaterThan(40);
  }, 30_000);
});

describe("a gated VAD stream's segments", () => {
  it("a flush (the framework's, when the recognizer ends a turn inside a VAD segment) ends the segment for the gate too", async () => {
    const model = await SileroModel.load();
    const gate = new VadGate({ tailMs: 100 });
    const stream = gatedVad(model.forCall(), gate, () => 10_000).stream();
    gate.botSpeaking(true, 0);
    // Silero's start of a segment, as its inference loop sends it.
    (stream as unknown as { sendVADEvent(e: object): boolean }).sendVADEvent({ type: VADEventType.START_OF_SPEECH, frames: [] });
    gate.botSpeaking(false, 1_000);
    expect(gate.passes(10_000)).toBe(true);
    // Silero drops the segment on a flush without an END_OF_SPEECH.
    stream.flush();
    expect(gate.passes(10_000)).toBe(false);
    stream.close();
  });
});

describe("the recognizer's audio times as wall-clock times (audio-clock.ts)", () => {
  it("puts a point of the audio at the arrival of the frame holding it, less what of the frame came after it", () => {
    const clock = new AudioClock();
    expect(clock.wallTime(0)).toBeNull();
    for (let i = 0; i < 50; i++) clock.heard(0.02, 1_000 + i * 20); // one second of 20 ms frames, in real time
    // A stall: the next frames came 500 ms late.
    for (let i = 0; i < 10; i++) clock.heard(0.02, 2_000 + 500 + i * 20);
    expect(clock.wallTime(0.5)).toBeCloseTo(1_480, 6); // the 25th frame (0.48–0.50 s) arrived at 1,480
    expect(clock.wallTime(0.51)).toBeCloseTo(1_490, 6);
    expect(clock.wallTime(1.02)).toBeCloseTo(2_500, 6); // after the stall
    expect(clock.wallTime(1.5)).toBeCloseTo(2_680 + 300, 6); // past the last frame: extrapolated
  });

  it("keeps the recent frames of a long call", () => {
    const clock = new AudioClock();
    for (let i = 0; i < 20_000; i++) clock.heard(0.01, i * 10 + 7);
    expect(clock.wallTime(199.5)).toBeCloseTo(199_497, 6); // the frame ending at 199.5 s arrived at 199,497
  });
});

describe("the speech end of a turn when the VAD was gated (turn-timing.ts)", () => {
  it("takes the recognizer's end of the words when the VAD was not listening then, the VAD's last voice when it was", () => {
    const timing = new TurnTiming((at) => at);
    timing.vadListening(false, 0);
    timing.vadListening(true, 1_000); // the bot speaks; the caller talks over it
    timing.voiced(1_400);
    timing.voiced(1_800);
    timing.recognized(1_820);
    timing.transcribed(2_300);
    expect(timing.takeCallerTiming(2_310)).toEqual({ speechEndedAt: 1_800, transcribedAt: 2_300 });

    timing.vadListening(false, 2_900); // the bot is silent again
    timing.voiced(2_500); // (voice heard before the gate closed, not this turn's end)
    timing.recognized(4_200);
    timing.transcribed(4_700);
    expect(timing.takeCallerTiming(4_710)).toEqual({ speechEndedAt: 4_200, transcribedAt: 4_700 });
  });

  it("never puts the speech end after the transcript; without a gate the VAD decides as before", () => {
    const gated = new TurnTiming((at) => at);
    gated.vadListening(false, 0);
    gated.recognized(900);
    gated.transcribed(800);
    expect(gated.takeCallerTiming(810).speechEndedAt).toBe(800);

    const always = new TurnTiming((at) => at);
    always.voiced(500);
    always.recognized(650);
    always.transcribed(900);
    expect(always.takeCallerTiming(910).speechEndedAt).toBe(500);
  });
});

/**
 * `npx tsx scripts/bench-agent-cpu.ts`: the CPU the agent's per-frame audio work costs, before and after the changes
 * of issue #12, in one process on the same audio (so the machine's load weighs on both alike). For each piece: CPU
 * time (user + system, all threads) per second of call audio. Prints figures for docs/performance.md; not a test.
 *   1. Silero VAD over a call's audio (speech turns with digital silence between): the plugin's own VAD vs ours
 *      (SilentWindows: settled digital silence answered without the model; agent/providers/silent-windows.ts);
 *   2. merging frames (what Silero does every 32 ms window): the spread copy of @livekit/agents 1.9 vs the patched one;
 *   3. cutting the caller's 20 ms frames into 50 ms chunks for Deepgram: AudioByteStream (1.9 as published) vs PcmFramer.
 */
import { type VAD, initializeLogger, mergeFrames } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { AudioFrame } from "@livekit/rtc-node";
import { concatSamples, frames, resample, silence } from "../agent/audio.ts";
import { PcmFramer } from "../agent/pcm-framer.ts";
import { SileroModel } from "../agent/providers/silero.ts";
import { speak } from "../test/agent/fake-openai.ts";

initializeLogger({ pretty: false, level: "error" });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(run: () => Promise<void> | void): Promise<number> {
  const c0 = cpuSeconds();
  await run();
  return cpuSeconds() - c0;
}

// A minute of a call: the caller's turns (espeak-ng speech) with the silence of the bot's replies between them.
const turn = concatSamples([resample(speak("i would like to book a table for two please"), 24_000, 16_000), silence(16_000, 4000)]);
const audio = concatSamples(Array.from({ length: Math.ceil(60 / (turn.length / 16_000)) }, () => turn));
const audioSeconds = audio.length / 16_000;
const callFrames = [...frames(audio, 16_000, 20)];

async function vadPass(vad: VAD) {
  const stream = vad.stream();
  for (const frame of callFrames) stream.pushFrame(frame);
  // Until the VAD has been through all of it (its last window ends within 32 ms of the end).
  for await (const event of stream) if (event.samplesIndex >= audio.length - 1024) break;
  stream.close();
}

/** @livekit/agents 1.9's mergeFrames as published (the patch replaces the spread with one copy). */
function spreadMerge(buffer: AudioFrame[]): AudioFrame {
  let data = new Int16Array();
  let samples = 0;
  for (const frame of buffer) {
    data = new Int16Array([...data, ...frame.data]);
    samples += frame.samplesPerChannel;
  }
  return new AudioFrame(data, buffer[0]!.sampleRate, 1, samples);
}
/** Silero's pattern: every 32 ms window merges the frames it has (one or two 20 ms frames). */
function mergePass(merge: (frames: AudioFrame[]) => AudioFrame) {
  for (let i = 0; i + 1 < callFrames.length; i += 2) {
    merge([callFrames[i]!, callFrames[i + 1]!]);
    merge([callFrames[i]!, callFrames[i + 1]!]);
  }
}

/** AudioByteStream.write of 1.9 as published: the whole buffer rebuilt from spread arrays at each write. */
function spreadFraming(frameBytes: number) {
  let buf = new Int8Array();
  for (const frame of callFrames) {
    const bytes = new Int8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    buf = new Int8Array([...buf, ...bytes]);
    while (buf.length >= frameBytes) {
      buf.slice(0, frameBytes);
      buf = buf.slice(frameBytes);
    }
  }
}
function framerFraming(frameBytes: number) {
  const framer = new PcmFramer(frameBytes);
  for (const frame of callFrames) framer.write(new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength));
}

const model = await SileroModel.load();
const plugin = await silero.VAD.load();
const rows: [string, number[], number[]][] = [
  ["1. Silero VAD: plugin vs ours (silent windows skipped)", [], []],
  ["2. merging frames (Silero, per window): 1.9 vs patched", [], []],
  ["3. 50 ms chunks for Deepgram: AudioByteStream vs PcmFramer", [], []],
];
await vadPass(model.forCall()); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  rows[0]![1].push(await timed(() => vadPass(plugin)));
  rows[0]![2].push(await timed(() => vadPass(model.forCall())));
  rows[1]![1].push(await timed(() => mergePass(spreadMerge)));
  rows[1]![2].push(await timed(() => mergePass((f) => mergeFrames(f))));
  rows[2]![1].push(await timed(() => spreadFraming(1600)));
  rows[2]![2].push(await timed(() => framerFraming(1600)));
}
const pctOfCore = (seconds: number) => ((seconds / audioSeconds) * 100).toFixed(3);
console.log(`agent CPU per call, ${audioSeconds.toFixed(0)} s of call audio (turns of speech, 4 s of digital silence between), median of ${ROUNDS}:`);
console.log("% of a core for one call's audio: before → after");
for (const [name, before, after] of rows) console.log(`${name}: ${pctOfCore(median(before))} → ${pctOfCore(median(after))} % (×${(median(before) / Math.max(median(after), 1e-9)).toFixed(1)})`);
const { skipped, run } = model.windows.counts;
console.log(`Silero windows answered without the model: ${skipped} of ${skipped + run} (${((100 * skipped) / (skipped + run)).toFixed(0)} %)`);
process.exit(0);

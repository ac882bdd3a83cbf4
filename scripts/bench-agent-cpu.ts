/**
 * `npx tsx scripts/bench-agent-cpu.ts`: the CPU the agent's per-frame audio work costs, before and after the changes
 * of issue #12, in one process on the same audio (so the machine's load weighs on both alike). For each piece: CPU
 * time (user + system, all threads) per second of call audio. Prints figures for docs/performance.md; not a test.
 *   1. Silero VAD over a call's audio (speech turns with digital silence between): the plugin's own VAD vs ours
 *      (SilentWindows: settled digital silence answered without the model; agent/providers/silent-windows.ts);
 *   2. merging frames (what Silero does every 32 ms window): the spread copy of @livekit/agents 1.9 vs the patched one;
 *   3. cutting the caller's 20 ms frames into 50 ms chunks for Deepgram: AudioByteStream (1.9 as published) vs PcmFramer;
 *   4–5. Silero over a whole call, bot speaking half the time, as the agent runs it when the recognizer ends turns:
 *      always (every window; SILERO_GATING=off) vs gated (only while the bot speaks, plus the tail and to the end of a
 *      segment: agent/providers/vad-gate.ts), on a line with quiet noise (4) and on a digitally silent one (5);
 *   6. the same call's audio sent as Deepgram gets it (50 ms messages) over a loopback WebSocket to a server (in a
 *      child process) that accepts permessage-deflate: ws's default (compressed) vs our client's (not offered);
 *   7. the call's 40 ms frames through 8 web-stream hops with five AsyncLocalStorages enabled (the framework's four and
 *      our log context): Node's own vs shared ones (agent/shared-async-storage.ts), each in a child process
 *      (scripts/load/storage-hops.ts; the CPU of the frames alone, not the process's start).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { ReadableStream } from "node:stream/web";
import { join } from "node:path";
import { type VAD, VADEventType, initializeLogger, mergeFrames } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { AudioFrame } from "@livekit/rtc-node";
import { concatSamples, frames, resample, silence } from "../agent/audio.ts";
import WebSocket from "ws";
import { PcmFramer } from "../agent/pcm-framer.ts";
import { gatedVad } from "../agent/providers/gated-vad.ts";
import { SileroModel } from "../agent/providers/silero.ts";
import { VadGate } from "../agent/providers/vad-gate.ts";
import { speak } from "../test/agent/fake-openai.ts";

initializeLogger({ pretty: false, level: "error" });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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

// A call as the agent hears it when the recognizer ends turns: the caller's turn, 700 ms until the bot answers, the
// bot speaking (the caller silent) for the turn's length + 1 s, 300 ms before the caller's next turn: the bot speaks
// half the time. The line carries quiet noise (≈ −50 dBFS, as phone lines do) or is digitally silent.
const callerWords = resample(speak("i would like to book a table for two please"), 24_000, 16_000);
const speechMs = (callerWords.length / 16_000) * 1000;
const exchange = { callerMs: speechMs + 700, botMs: speechMs + 1000, gapMs: 300 };
const exchangeMs = exchange.callerMs + exchange.botMs + exchange.gapMs;
const exchanges = Math.ceil(60_000 / exchangeMs);
const quietCall = concatSamples(Array.from({ length: exchanges }, () => concatSamples([callerWords, silence(16_000, exchangeMs - speechMs)])));
const noisyCall = quietCall.map((v) => Math.max(-32_768, Math.min(32_767, v + Math.round((Math.random() - 0.5) * 200))));
const callSeconds = quietCall.length / 16_000;
/** Whether the bot speaks at `ms` into the call. */
const botSpeaksAt = (ms: number) => {
  const into = ms % exchangeMs;
  return into >= exchange.callerMs && into < exchange.callerMs + exchange.botMs;
};

/**
 * `vad` whose streams tell `onFrame` of each frame they read from their input: their reader is wrapped (one promise a
 * read), not their input piped through another stream, which would add a stream hop's cost to each frame measured.
 */
function heardBy<T extends VAD>(vad: T, onFrame: (frame: AudioFrame) => void): T {
  return new Proxy(vad, {
    get(target, property) {
      if (property === "stream")
        return () => {
          const stream = target.stream();
          const attach = stream.updateInputStream.bind(stream);
          stream.updateInputStream = (source) => {
            const getReader = source.getReader.bind(source);
            source.getReader = (() => {
              const reader = getReader();
              const read = reader.read.bind(reader);
              reader.read = async () => {
                const result = await read();
                if (!result.done) onFrame(result.value);
                return result;
              };
              return reader;
            }) as typeof source.getReader;
            attach(source);
          };
          return stream;
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * One call's audio through `vad` (gated when `gated`), as the framework feeds it: a stream of 20 ms frames attached
 * with `updateInputStream`. Frames are handed over as fast as the VAD takes them, but never more than two windows
 * ahead of its inference (a call's frames come in real time, so the gate decides on what the VAD has seen).
 */
async function gatedCallPass(vad: VAD, audio: Int16Array, gated: boolean): Promise<{ windowsRun: number }> {
  let audioMs = 0;
  const gate = new VadGate();
  let passedSamples = 0;
  // Counted as the VAD's stream reads them: the gate leaves out frames that were let through to it (settled silence).
  const heard = heardBy(vad, (frame) => (passedSamples += frame.samplesPerChannel));
  const stream = (gated ? gatedVad(heard, gate, () => audioMs) : heard).stream();
  const all = [...frames(audio, 16_000, 20)];
  let next = 0;
  let inferredSamples = 0;
  let windowsRun = 0;
  let progress: () => void = () => undefined;
  // Over once every frame has been handed over and the VAD has gone quiet (it keeps the end of the audio that does
  // not fill a window).
  const finished = (async () => {
    while (next < all.length) await sleep(50);
    for (let seen = -1; seen !== inferredSamples; ) {
      seen = inferredSamples;
      await sleep(100);
    }
  })();
  stream.updateInputStream(
    new ReadableStream({
      async pull(controller) {
        while (passedSamples - inferredSamples > 1024) await new Promise<void>((r) => (progress = r));
        if (next >= all.length) return controller.close();
        audioMs = next * 20;
        gate.botSpeaking(botSpeaksAt(audioMs), audioMs);
        controller.enqueue(all[next++]!);
      },
    }),
  );
  const events = (async () => {
    for await (const event of stream) {
      if (event.type !== VADEventType.INFERENCE_DONE) continue;
      windowsRun++;
      inferredSamples = event.samplesIndex;
      progress();
    }
  })();
  await finished;
  stream.close();
  await events.catch(() => undefined);
  return { windowsRun };
}

/** A WebSocket server that accepts permessage-deflate (as ws's own does when asked), in a process of its own. */
async function startDeflateServer(): Promise<{ port: number; stop: () => void }> {
  const code = `const { WebSocketServer } = await import("ws");
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: true });
    wss.on("listening", () => console.log(wss.address().port));
    wss.on("connection", (ws) => ws.on("message", () => undefined));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: import.meta.dirname, stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  return { port: Number(line.toString().trim()), stop: () => child.kill() };
}
const deepgramChunks = [...new PcmFramer(1600).write(new Uint8Array(noisyCall.buffer, noisyCall.byteOffset, noisyCall.byteLength))].map((c) => Buffer.from(c));
/** The extensions each client ended up with (checks that row 6 compares what it says). */
const negotiated = new Map<boolean, string>();
async function sendCallAudio(port: number, perMessageDeflate: boolean) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  await once(ws, "open");
  negotiated.set(perMessageDeflate, ws.extensions || "none");
  await new Promise<void>((resolve, reject) => deepgramChunks.forEach((chunk, i) => ws.send(chunk, i === deepgramChunks.length - 1 ? (error) => (error ? reject(error) : resolve()) : undefined)));
  ws.close();
  await once(ws, "close");
}
const deflateServer = await startDeflateServer();

/** Row 7's child: the CPU seconds the call's frames took through its stream hops, storages `native` or `shared`. */
async function storageHops(mode: "native" | "shared"): Promise<number> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "load/storage-hops.ts"), mode, String(Math.round(callSeconds * 25))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`storage-hops ${mode} exited with ${code}`);
  return Number(out.trim());
}

const model = await SileroModel.load();
const plugin = await silero.VAD.load();
/** Each piece: before, after (CPU seconds per round), and the seconds of call audio it went through. */
const rows: [string, number[], number[], number][] = [
  ["1. Silero VAD: plugin vs ours (silent windows skipped)", [], [], audioSeconds],
  ["2. merging frames (Silero, per window): 1.9 vs patched", [], [], audioSeconds],
  ["3. 50 ms chunks for Deepgram: AudioByteStream vs PcmFramer", [], [], audioSeconds],
  ["4. Silero over a call, bot speaking half the time, line with quiet noise: always vs gated", [], [], callSeconds],
  ["5. the same, digitally silent line: always vs gated", [], [], callSeconds],
  ["6. the call's audio to a recognizer that accepts permessage-deflate: ws's default vs perMessageDeflate: false", [], [], callSeconds],
  ["7. the call's frames through 8 stream hops, five AsyncLocalStorages enabled: Node's own vs shared", [], [], callSeconds],
];
// Its own model, so that the count of windows answered without it (printed last) is row 1's.
const callModel = await SileroModel.load();
const windowsRun: Record<string, number> = {};
await vadPass(model.forCall()); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  rows[0]![1].push(await timed(() => vadPass(plugin)));
  rows[0]![2].push(await timed(() => vadPass(model.forCall())));
  rows[1]![1].push(await timed(() => mergePass(spreadMerge)));
  rows[1]![2].push(await timed(() => mergePass((f) => mergeFrames(f))));
  rows[2]![1].push(await timed(() => spreadFraming(1600)));
  rows[2]![2].push(await timed(() => framerFraming(1600)));
  rows[5]![1].push(await timed(() => sendCallAudio(deflateServer.port, true)));
  rows[5]![2].push(await timed(() => sendCallAudio(deflateServer.port, false)));
  rows[6]![1].push(await storageHops("native"));
  rows[6]![2].push(await storageHops("shared"));
  for (const [row, audio, line] of [[3, noisyCall, "noisy"], [4, quietCall, "silent"]] as const) {
    for (const [side, gated] of [[1, false], [2, true]] as const) {
      rows[row]![side].push(await timed(async () => void (windowsRun[`${line} ${gated ? "gated" : "always"}`] = (await gatedCallPass(callModel.forCall(), audio, gated)).windowsRun)));
    }
  }
}
const pctOfCore = (seconds: number, of: number) => ((seconds / of) * 100).toFixed(3);
console.log(`agent CPU per call, ${audioSeconds.toFixed(0)} s of call audio (1–3: turns of speech, 4 s of digital silence between; 4–5: ${callSeconds.toFixed(0)} s, see above), median of ${ROUNDS}:`);
console.log("% of a core for one call's audio: before → after");
for (const [name, before, after, of] of rows) console.log(`${name}: ${pctOfCore(median(before), of)} → ${pctOfCore(median(after), of)} % (×${(median(before) / Math.max(median(after), 1e-9)).toFixed(1)})`);
console.log(`Silero windows per call (4–5, ${(quietCall.length / 16_000).toFixed(0)} s, ${exchanges} exchanges): ${Object.entries(windowsRun).map(([k, v]) => `${k} ${v}`).join(", ")}`);
const { skipped, run } = model.windows.counts;
console.log(`Silero windows answered without the model: ${skipped} of ${skipped + run} (${((100 * skipped) / (skipped + run)).toFixed(0)} %)`);
console.log(`row 6 extensions negotiated: ws's default ${negotiated.get(true)}; perMessageDeflate false ${negotiated.get(false)}`);
deflateServer.stop();
process.exit(0);

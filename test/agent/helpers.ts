import v8 from "node:v8";
import vm from "node:vm";
import { initializeLogger } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { concatSamples } from "../../agent/audio.ts";

let initialized = false;
/** @livekit/agents needs its logger before any constructor runs. */
export function initLogger(): void {
  if (initialized) return;
  initialized = true;
  initializeLogger({ pretty: false, level: process.env.AGENT_LOG_LEVEL ?? "warn" });
}

export async function collectFrames(stream: AsyncIterable<{ frame: AudioFrame }>): Promise<{ frames: AudioFrame[]; firstAt: number }> {
  const frames: AudioFrame[] = [];
  let firstAt = 0;
  for await (const audio of stream) {
    if (frames.length === 0) firstAt = performance.now();
    frames.push(audio.frame);
  }
  return { frames, firstAt };
}

export function joinFrames(frames: AudioFrame[]): Int16Array {
  return concatSamples(frames.map((f) => f.data));
}

/**
 * Runs the garbage collector (the flag set at run time: vitest's workers are started without it), a few times with
 * the event loop turning in between, so that what the tests' WeakRefs point at is gone if nothing holds it.
 */
export async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

import type { AudioSink } from "../../agent/paced-output.ts";
import type { PushAudioInput } from "../../agent/paced-output.ts";

/**
 * A caller on the line: 20 ms frames in real time, silence between utterances (like a phone line, which never
 * stops sending audio).
 */
export class Caller {
  private pending: { samples: Int16Array; offset: number; done: () => void }[] = [];
  private timer: NodeJS.Timeout;
  private next = performance.now();
  private readonly frameSize: number;

  constructor(
    private readonly input: PushAudioInput,
    private readonly sampleRate = 16_000,
  ) {
    this.frameSize = sampleRate / 50;
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Resolves when the whole utterance has been sent. */
  say(samples: Int16Array): Promise<void> {
    return new Promise((done) => this.pending.push({ samples, offset: 0, done }));
  }

  private tick() {
    const now = performance.now();
    while (this.next <= now) {
      this.next += 20;
      const head = this.pending[0];
      let frame: Int16Array;
      if (head) {
        frame = head.samples.slice(head.offset, head.offset + this.frameSize);
        head.offset += this.frameSize;
        if (head.offset >= head.samples.length) {
          this.pending.shift();
          head.done();
        }
      } else frame = new Int16Array(this.frameSize);
      this.input.push(new AudioFrame(frame, this.sampleRate, 1, frame.length));
    }
  }

  stop() {
    clearInterval(this.timer);
    for (const p of this.pending.splice(0)) p.done();
  }
}

/** Records what the caller hears. */
export class RecordingSink implements AudioSink {
  chunks: { at: number; frame: AudioFrame }[] = [];
  clears: number[] = [];
  write(frame: AudioFrame): void {
    this.chunks.push({ at: performance.now(), frame });
  }
  clear(): void {
    this.clears.push(performance.now());
  }
  samplesSince(t: number): Int16Array {
    return concatSamples(this.chunks.filter((c) => c.at >= t).map((c) => c.frame.data));
  }
  get lastWriteAt(): number {
    return this.chunks.at(-1)?.at ?? 0;
  }
}

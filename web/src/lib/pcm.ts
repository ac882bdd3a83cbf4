/**
 * Audio conversions for "Call from browser" over the local agent, which takes PCM16 LE mono at 16 kHz and speaks
 * PCM16 LE mono at 24 kHz, while the browser's audio runs at its own rate (often 48 or 44.1 kHz). Streaming: each
 * keeps its place across the 128-sample blocks an AudioWorklet gets. Pure, so it is tested in Node
 * (test/node/portal-pcm.test.ts); it runs in web/src/lib/call-audio.worklet.ts.
 */

/** The caller's audio to the agent, and the agent's to the caller (docs/voice.md, "Local transport"). */
export const CALLER_RATE = 16_000;
export const AGENT_RATE = 24_000;

function toInt16(value: number): number {
  const v = Math.max(-1, Math.min(1, value));
  return v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
}

/** Float samples at `inRate` → PCM16 at the lower `outRate`, each output sample the mean of the input it spans. */
export class Downsampler {
  private readonly ratio: number;
  private consumed = 0;
  private produced = 0;
  private sum = 0;
  private count = 0;

  constructor(inRate: number, outRate: number) {
    if (inRate < outRate) throw new RangeError(`cannot downsample ${inRate} Hz to ${outRate} Hz`);
    this.ratio = inRate / outRate;
  }

  /** The output samples that `input` completes. */
  push(input: Float32Array): Int16Array {
    const out = new Int16Array(Math.ceil(input.length / this.ratio) + 1);
    let n = 0;
    for (const sample of input) {
      this.sum += sample;
      this.count++;
      this.consumed++;
      if (this.consumed >= (this.produced + 1) * this.ratio) {
        out[n++] = toInt16(this.sum / this.count);
        this.produced++;
        this.sum = 0;
        this.count = 0;
      }
    }
    return out.subarray(0, n);
  }
}

/** Cuts a stream of samples into frames of `size` (20 ms, as a phone line sends them). */
export class FrameChunker {
  private frame: Int16Array;
  private filled = 0;

  constructor(private readonly size: number) {
    this.frame = new Int16Array(size);
  }

  /** The frames that `samples` completes (each a fresh array, so it can be transferred). */
  push(samples: Int16Array): Int16Array[] {
    const done: Int16Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.size - this.filled, samples.length - offset);
      this.frame.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.size) {
        done.push(this.frame);
        this.frame = new Int16Array(this.size);
        this.filled = 0;
      }
    }
    return done;
  }
}

/** The agent's PCM16 queued for playback, read out at the output's rate (linear interpolation). */
export class PlaybackQueue {
  private buffer = new Float32Array(0);
  private start = 0;
  private end = 0;
  /** Where reading is, in input samples from `start`. */
  private position = 0;
  private readonly step: number;

  constructor(inRate: number, outRate: number) {
    this.step = inRate / outRate;
  }

  push(samples: Int16Array): void {
    const queued = this.end - this.start;
    if (this.end + samples.length > this.buffer.length) {
      // Move what is queued to the front, into a larger buffer when it would be more than half full.
      const needed = queued + samples.length;
      if (2 * needed > this.buffer.length) {
        const grown = new Float32Array(2 * needed);
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
      } else this.buffer.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = queued;
    }
    for (let i = 0; i < samples.length; i++) this.buffer[this.end + i] = samples[i]! / 32768;
    this.end += samples.length;
  }

  /** Drops whatever has not been played (the caller barged in). */
  clear(): void {
    this.start = this.end = 0;
    this.position = 0;
  }

  /** Fills `out` with what comes next, silence past the end of the queue; how many samples were audio. */
  read(out: Float32Array): number {
    const b = this.buffer;
    let written = 0;
    for (; written < out.length; written++) {
      const i = this.start + Math.floor(this.position);
      if (i + 1 >= this.end) break;
      const fraction = this.position - Math.floor(this.position);
      out[written] = b[i]! + (b[i + 1]! - b[i]!) * fraction;
      this.position += this.step;
    }
    out.fill(0, written);
    const whole = Math.min(Math.floor(this.position), this.end - this.start);
    this.start += whole;
    this.position -= whole;
    return written;
  }
}

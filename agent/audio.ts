import { AudioFrame, AudioResampler } from "@livekit/rtc-node";

/** PCM16 mono helpers shared by the providers, the local transport and the tests. */

export function pcmFrame(samples: Int16Array, sampleRate: number): AudioFrame {
  return new AudioFrame(samples, sampleRate, 1, samples.length);
}

/** Copies `bytes` (little-endian PCM16) into a fresh Int16Array (alignment-safe). */
export function bytesToSamples(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(Math.floor(bytes.byteLength / 2));
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

export function samplesToBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** A sample below this in magnitude (≈ −60 dBFS, of full scale 1) is silence. */
export const SILENCE_PEAK = 0.001;
/** The same, for PCM16 samples. */
export const SILENCE_PEAK_PCM16 = Math.ceil(SILENCE_PEAK * 32768);

/** Whether every sample of `frame` is silence. */
export function isSilentFrame(frame: AudioFrame): boolean {
  const samples = frame.data;
  for (let i = 0; i < samples.length; i++) if (samples[i]! >= SILENCE_PEAK_PCM16 || samples[i]! <= -SILENCE_PEAK_PCM16) return false;
  return true;
}

/** Root-mean-square level of PCM16 samples, 0…1. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return Math.sqrt(sum / samples.length);
}

/** Resamples a whole buffer with LiveKit's resampler (sox-quality, native). */
export function resample(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  const resampler = new AudioResampler(from, to, 1);
  const parts = [...resampler.push(pcmFrame(samples, from)), ...resampler.flush()];
  resampler.close();
  return concatSamples(parts.map((f) => f.data));
}

export function concatSamples(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Splits samples into frames of `ms` milliseconds (the last one may be shorter). */
export function* frames(samples: Int16Array, sampleRate: number, ms = 20): Generator<AudioFrame> {
  const size = Math.round((sampleRate * ms) / 1000);
  for (let i = 0; i < samples.length; i += size) yield pcmFrame(samples.slice(i, i + size), sampleRate);
}

export function silence(sampleRate: number, ms: number): Int16Array {
  return new Int16Array(Math.round((sampleRate * ms) / 1000));
}

/** A 16-bit mono WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, samplesToBytes(samples)]);
}

/** Parses a PCM16 mono WAV (tolerates the 0xFFFFFFFF sizes that streaming writers such as espeak-ng use). */
export function decodeWav(wav: Buffer): { samples: Int16Array; sampleRate: number } {
  const { sampleRate, dataOffset } = parseWavHeader(wav);
  return { samples: bytesToSamples(wav.subarray(dataOffset)), sampleRate };
}

export function parseWavHeader(wav: Buffer): { sampleRate: number; dataOffset: number } {
  if (wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") throw new Error("not a WAV file");
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === "fmt ") {
      if (wav.readUInt16LE(offset + 8) !== 1 || wav.readUInt16LE(offset + 10) !== 1 || wav.readUInt16LE(offset + 22) !== 16) {
        throw new Error("only PCM16 mono WAV is supported");
      }
      sampleRate = wav.readUInt32LE(offset + 12);
    }
    if (id === "data") return { sampleRate, dataOffset: offset + 8 };
    offset += 8 + size;
  }
  throw new Error("WAV header incomplete");
}

import { APIConnectionError } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { PcmFramer, chunkSamples } from "../pcm-framer.ts";

/**
 * How long each frame of synthesized speech is. Every frame costs the framework's reply pipeline and the paced output
 * the same work and a socket write, whatever its length; providers stream faster than real time, so a longer frame
 * is whole as soon as a shorter one would be (a first chunk shorter than this goes out when the next one arrives).
 */
export const TTS_FRAME_MS = 40;

/** `TTS_FRAME_MS` frames of 16-bit mono PCM, pushed as the bytes arrive (a provider's streamed response body). */
export async function pushPcmFrames(body: AsyncIterable<Uint8Array>, sampleRate: number, push: (frame: AudioFrame) => void): Promise<void> {
  const framer = new PcmFramer((sampleRate / 1000) * TTS_FRAME_MS * 2);
  const emit = (chunk: Uint8Array) => {
    const samples = chunkSamples(chunk);
    push(new AudioFrame(samples, sampleRate, 1, samples.length));
  };
  for await (const chunk of body) for (const frame of framer.write(chunk)) emit(frame);
  for (const frame of framer.flush()) emit(frame);
}

/** A streamed body that broke after the response started (undici: "terminated", ECONNRESET…): retryable. */
export function isBrokenStream(error: unknown): error is Error {
  return error instanceof TypeError || (error instanceof Error && "code" in error);
}

export function brokenStream(provider: string, error: Error): APIConnectionError {
  return new APIConnectionError({ message: `${provider} speech stream broke: ${error.message}` });
}

import { APIConnectionError } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { PcmFramer, chunkSamples } from "../pcm-framer.ts";

/** 20 ms frames of 16-bit mono PCM, pushed as the bytes arrive (a provider's streamed response body). */
export async function pushPcmFrames(body: AsyncIterable<Uint8Array>, sampleRate: number, push: (frame: AudioFrame) => void): Promise<void> {
  const framer = new PcmFramer((sampleRate / 50) * 2);
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

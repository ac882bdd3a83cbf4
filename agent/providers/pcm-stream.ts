import { APIConnectionError, AudioByteStream } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";

/** 20 ms frames of 16-bit mono PCM, pushed as the bytes arrive (a provider's streamed response body). */
export async function pushPcmFrames(body: AsyncIterable<Uint8Array>, sampleRate: number, push: (frame: AudioFrame) => void): Promise<void> {
  const bytes = new AudioByteStream(sampleRate, 1, sampleRate / 50);
  for await (const chunk of body) {
    for (const frame of bytes.write(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer)) push(frame);
  }
  for (const frame of bytes.flush()) push(frame);
}

/** A streamed body that broke after the response started (undici: "terminated", ECONNRESET…): retryable. */
export function isBrokenStream(error: unknown): error is Error {
  return error instanceof TypeError || (error instanceof Error && "code" in error);
}

export function brokenStream(provider: string, error: Error): APIConnectionError {
  return new APIConnectionError({ message: `${provider} speech stream broke: ${error.message}` });
}

import { APIConnectionError, type APIConnectOptions, APIStatusError, type tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { ChunkedOnlyTTS, ChunkedSynthesis } from "./chunked-tts.ts";
import { brokenStream, isBrokenStream, pushPcmFrames } from "./pcm-stream.ts";
import OpenAI from "openai";

export const OPENAI_TTS_SAMPLE_RATE = 24_000;

export interface OpenAITTSOptions {
  apiKey: string;
  /** Including `/v1`; default https://api.openai.com/v1. */
  baseURL?: string;
  model?: string;
  voice: string;
  speed?: number;
}

/**
 * OpenAI text-to-speech, streamed: frames are yielded as the bytes of `/v1/audio/speech` (response_format pcm,
 * 16-bit mono 24 kHz) arrive, unlike the plugin's TTS which waits for the whole body.
 */
export class OpenAIStreamingTTS extends ChunkedOnlyTTS {
  label = "phonemybot.OpenAIStreamingTTS";
  readonly client: OpenAI;

  constructor(readonly options: OpenAITTSOptions) {
    super(OPENAI_TTS_SAMPLE_RATE, 1);
    this.client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  }

  override get model(): string {
    return this.options.model ?? "gpt-4o-mini-tts";
  }

  override get provider(): string {
    return "openai";
  }

  protected chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream {
    return new OpenAIChunkedStream(this, text, connOptions, signal);
  }
}

class OpenAIChunkedStream extends ChunkedSynthesis<OpenAIStreamingTTS> {
  label = "phonemybot.OpenAIChunkedStream";

  protected async attempt(push: (frame: AudioFrame) => void): Promise<void> {
    const { options } = this.owner;
    try {
      const response = await this.owner.client.audio.speech.create(
        { input: this.inputText, model: this.owner.model, voice: options.voice, response_format: "pcm", speed: options.speed ?? 1 },
        { signal: this.signal },
      );
      if (!response.body) throw new Error("OpenAI speech response has no body");
      await pushPcmFrames(response.body as unknown as AsyncIterable<Uint8Array>, OPENAI_TTS_SAMPLE_RATE, push);
    } catch (error) {
      throw retryable(error);
    }
  }
}

/**
 * OpenAI's errors as the framework's: a dropped connection, a 5xx or a 429 are retryable (the sentence is synthesized
 * again from its start); anything else fails that sentence.
 */
function retryable(error: unknown): unknown {
  if (error instanceof OpenAI.APIConnectionError) return new APIConnectionError({ message: `OpenAI speech: ${error.message}` });
  if (error instanceof OpenAI.APIError) {
    return new APIStatusError({
      message: `OpenAI speech: ${error.message}`,
      options: { statusCode: error.status ?? -1, requestId: error.requestID ?? null, body: error.error ?? null },
    });
  }
  if (isBrokenStream(error)) return brokenStream("OpenAI", error);
  return error;
}

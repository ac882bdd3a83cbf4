import { AudioByteStream, type APIConnectOptions, shortuuid, tts } from "@livekit/agents";
import { ChunkedOnlyTTS } from "./chunked-tts.ts";
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
    super(OPENAI_TTS_SAMPLE_RATE, 1, { streaming: false });
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

class OpenAIChunkedStream extends tts.ChunkedStream {
  label = "phonemybot.OpenAIChunkedStream";

  constructor(
    private readonly owner: OpenAIStreamingTTS,
    text: string,
    connOptions: APIConnectOptions | undefined,
    private readonly signal: AbortSignal,
  ) {
    super(text, owner, connOptions, signal);
  }

  protected async run(): Promise<void> {
    const requestId = shortuuid();
    const { options } = this.owner;
    try {
      const response = await this.owner.client.audio.speech.create(
        { input: this.inputText, model: this.owner.model, voice: options.voice, response_format: "pcm", speed: options.speed ?? 1 },
        { signal: this.signal },
      );
      if (!response.body) throw new Error("OpenAI speech response has no body");
      const bytes = new AudioByteStream(OPENAI_TTS_SAMPLE_RATE, 1, OPENAI_TTS_SAMPLE_RATE / 50);
      let pending: import("@livekit/rtc-node").AudioFrame | undefined;
      const push = (frame: import("@livekit/rtc-node").AudioFrame) => {
        if (pending) this.queue.put({ requestId, segmentId: requestId, frame: pending, final: false });
        pending = frame;
      };
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const copy = chunk.slice().buffer;
        for (const frame of bytes.write(copy)) push(frame);
      }
      for (const frame of bytes.flush()) push(frame);
      if (pending) this.queue.put({ requestId, segmentId: requestId, frame: pending, final: true });
    } catch (error) {
      if (this.signal.aborted) return;
      throw error;
    } finally {
      this.queue.close();
    }
  }
}

import { type APIConnectOptions, APIStatusError, type tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { ChunkedOnlyTTS, ChunkedSynthesis } from "./chunked-tts.ts";
import { brokenStream, isBrokenStream, pushPcmFrames } from "./pcm-stream.ts";

export const DEEPGRAM_TTS_SAMPLE_RATE = 24_000;

export interface DeepgramTTSOptions {
  apiKey: string;
  /** Default https://api.deepgram.com (tests point it at a fake). */
  baseUrl?: string;
  /** An Aura-2 voice, which Deepgram names as its model, e.g. `aura-2-thalia-en`. */
  voice: string;
  /** Speaking rate, 1 = normal. */
  speed?: number;
}

/**
 * Deepgram Aura-2 text-to-speech over `POST /v1/speak` (`encoding=linear16`, `container=none`: raw 16-bit mono
 * 24 kHz), streamed: frames are yielded as the bytes arrive. The same Deepgram key as the recognizer.
 */
export class DeepgramAuraTTS extends ChunkedOnlyTTS {
  label = "phonemybot.DeepgramAuraTTS";

  constructor(readonly options: DeepgramTTSOptions) {
    super(DEEPGRAM_TTS_SAMPLE_RATE, 1);
  }

  override get model(): string {
    return this.options.voice;
  }

  override get provider(): string {
    return "deepgram";
  }

  speakUrl(): URL {
    const url = new URL("/v1/speak", httpBase(this.options.baseUrl ?? "https://api.deepgram.com"));
    url.searchParams.set("model", this.options.voice);
    url.searchParams.set("encoding", "linear16");
    url.searchParams.set("container", "none");
    url.searchParams.set("sample_rate", String(DEEPGRAM_TTS_SAMPLE_RATE));
    if (this.options.speed !== undefined && this.options.speed !== 1) url.searchParams.set("speed", String(this.options.speed));
    return url;
  }

  protected chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream {
    return new DeepgramChunkedStream(this, text, connOptions, signal);
  }
}

/** The recognizer's URL is a WebSocket one (wss://); the speech endpoint is plain HTTPS on the same host. */
function httpBase(base: string): string {
  return base.replace(/^ws(s?):/, "http$1:");
}

class DeepgramChunkedStream extends ChunkedSynthesis<DeepgramAuraTTS> {
  label = "phonemybot.DeepgramChunkedStream";

  protected async attempt(push: (frame: AudioFrame) => void): Promise<void> {
    try {
      const response = await fetch(this.owner.speakUrl(), {
        method: "POST",
        headers: { Authorization: `Token ${this.owner.options.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ text: this.inputText }),
        signal: this.signal,
      });
      if (!response.ok || !response.body) {
        const body = await response.text().catch(() => "");
        throw new APIStatusError({
          message: `Deepgram speech: HTTP ${response.status} ${errorMessage(body)}`,
          options: { statusCode: response.status, requestId: response.headers.get("dg-request-id") },
        });
      }
      await pushPcmFrames(response.body as unknown as AsyncIterable<Uint8Array>, DEEPGRAM_TTS_SAMPLE_RATE, push);
    } catch (error) {
      throw isBrokenStream(error) ? brokenStream("Deepgram", error) : error;
    }
  }
}

/** Deepgram's error bodies: `{"err_code": "...", "err_msg": "...", "request_id": "..."}`. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { err_msg?: unknown; err_code?: unknown };
    return [parsed.err_code, parsed.err_msg].filter((v) => typeof v === "string").join(": ");
  } catch {
    return body.slice(0, 200);
  }
}

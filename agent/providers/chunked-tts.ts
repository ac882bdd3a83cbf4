import { speechReconnects } from "../metrics.ts";
import { APIError, type APIConnectOptions, DEFAULT_API_CONNECT_OPTIONS, intervalForRetry, shortuuid, tokenize, tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";

/**
 * A TTS that synthesizes one text at a time, streamed sentence by sentence through one `tts.StreamAdapter` it owns;
 * every synthesis is cancelled when the TTS is closed.
 *
 * Why not let the session wrap it: the framework builds a new adapter for every reply, and that adapter re-emits our
 * errors with no listener of its own, so one failed synthesis became an uncaught `error` event. Our synthesis streams
 * report their errors on this TTS, which the session listens to.
 */
export abstract class ChunkedOnlyTTS extends tts.TTS {
  private readonly closing = new AbortController();
  private readonly sentences: tts.StreamAdapter;

  constructor(sampleRate: number, numChannels: number) {
    super(sampleRate, numChannels, { streaming: true, alignedTranscript: true });
    this.sentences = new tts.StreamAdapter(this, new tokenize.basic.SentenceTokenizer());
    this.sentences.on("error", () => undefined); // already reported by this TTS itself
  }

  protected abstract chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream;

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    const signal = abortSignal ? AbortSignal.any([abortSignal, this.closing.signal]) : this.closing.signal;
    return this.chunked(text, connOptions, signal);
  }

  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return this.sentences.stream(options);
  }

  override async close(): Promise<void> {
    this.closing.abort();
  }
}

/**
 * One text's synthesis. A retryable `APIError` (dropped connection, 5xx, 429) is tried again from the start of the
 * text; failures are reported on the TTS (the session counts them and closes after too many) but never thrown:
 * the framework rethrows a failed `run()` from a promise nobody awaits, an unhandled rejection that would take the
 * agent process and every call in it down.
 */
export abstract class ChunkedSynthesis<T extends tts.TTS> extends tts.ChunkedStream {
  constructor(
    protected readonly owner: T,
    text: string,
    private readonly connOptions: APIConnectOptions | undefined,
    protected readonly signal: AbortSignal,
  ) {
    super(text, owner, connOptions, signal);
  }

  /** One attempt: `push` each frame as it is synthesized. */
  protected abstract attempt(push: (frame: AudioFrame) => void): Promise<void>;

  protected async run(): Promise<void> {
    const connOptions = this.connOptions ?? DEFAULT_API_CONNECT_OPTIONS;
    try {
      for (let attempt = 0; ; attempt++) {
        const requestId = shortuuid();
        let pending: AudioFrame | undefined;
        const put = (frame: AudioFrame, final: boolean) => this.queue.put({ requestId, segmentId: requestId, frame, final });
        try {
          await this.attempt((frame) => {
            if (pending) put(pending, false);
            pending = frame;
          });
          if (pending) put(pending, true);
          return;
        } catch (error) {
          if (this.signal.aborted) return;
          if (pending) put(pending, false);
          const retry = error instanceof APIError && error.retryable && attempt < connOptions.maxRetry;
          this.owner.emit("error", {
            type: "tts_error",
            timestamp: Date.now(),
            label: this.owner.label,
            error: error instanceof Error ? error : new Error(String(error)),
            recoverable: retry,
          });
          if (!retry) return;
          speechReconnects.inc({ provider: "tts" });
          await new Promise((resolve) => setTimeout(resolve, intervalForRetry(connOptions, attempt)));
        }
      }
    } finally {
      this.queue.close();
    }
  }
}

import { type APIConnectOptions, tts } from "@livekit/agents";

/**
 * A TTS that synthesizes one text at a time (the session wraps it in a sentence StreamAdapter); every synthesis is
 * cancelled when the TTS is closed.
 */
export abstract class ChunkedOnlyTTS extends tts.TTS {
  private readonly closing = new AbortController();

  protected abstract chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream;

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    const signal = abortSignal ? AbortSignal.any([abortSignal, this.closing.signal]) : this.closing.signal;
    return this.chunked(text, connOptions, signal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error(`${this.label} synthesizes one text at a time; the session wraps it in a sentence StreamAdapter`);
  }

  override async close(): Promise<void> {
    this.closing.abort();
  }
}

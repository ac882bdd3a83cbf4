/**
 * The AudioWorklet of "Call from browser" (web/src/pages/BrowserCall.tsx), on the browser's audio thread:
 * `call-capture` turns the microphone into 20 ms frames of PCM16 at 16 kHz for the agent, posted to the page;
 * `call-playback` plays the agent's PCM16 at 24 kHz that the page posts, and drops it on "clear". It posts
 * `true`/`false` when the agent's voice starts and stops playing. Served as a file of the portal (same origin), so a
 * `script-src 'self'` policy allows it.
 */
import { AGENT_RATE, CALLER_RATE, Downsampler, FrameChunker, PlaybackQueue } from "./pcm.ts";

// The AudioWorkletGlobalScope's names (not in TypeScript's DOM library).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly downsampler = new Downsampler(sampleRate, CALLER_RATE);
  private readonly frames = new FrameChunker(CALLER_RATE / 50);

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel) for (const frame of this.frames.push(this.downsampler.push(channel))) this.port.postMessage(frame.buffer, [frame.buffer]);
    return true;
  }
}

class PlaybackProcessor extends AudioWorkletProcessor {
  private readonly queue = new PlaybackQueue(AGENT_RATE, sampleRate);
  private playing = false;
  /** Samples of silence since the agent's voice last played: it has stopped after a quarter of a second. */
  private silence = Number.POSITIVE_INFINITY;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<ArrayBuffer | "clear">) => {
      if (event.data === "clear") this.queue.clear();
      else this.queue.push(new Int16Array(event.data));
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channel = outputs[0]?.[0];
    if (!channel) return true;
    this.silence = this.queue.read(channel) > 0 ? 0 : this.silence + channel.length;
    const playing = this.silence < sampleRate / 4;
    if (playing !== this.playing) this.port.postMessage(playing);
    this.playing = playing;
    return true;
  }
}

registerProcessor("call-capture", CaptureProcessor);
registerProcessor("call-playback", PlaybackProcessor);

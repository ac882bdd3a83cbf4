import WebSocket from "ws";
import { bytesToSamples, samplesToBytes } from "../agent/audio.ts";
import type { LocalCallMessage } from "../protocol/voice.ts";

/** The caller's microphone on the local transport: PCM16 mono 16 kHz, in 20 ms frames. */
const MIC_RATE = 16_000;
const FRAME_SAMPLES = MIC_RATE / 50;

/**
 * A call on the local voice agent's socket (`{agentUrl}/calls?ticket=…`, docs/voice.md "Local transport"), as a
 * microphone would make it: 20 ms frames in real time, silence when there is nothing to say (the agent's voice
 * activity detection needs the pause after speech to end the turn). Keeps the agent's events and the audio it sends
 * (PCM16 mono 24 kHz) with the time each arrived.
 */
export class LocalCallSocket {
  readonly events: LocalCallMessage[] = [];
  readonly audio: { at: number; samples: Int16Array }[] = [];
  /** For each event (same index), how many audio chunks had arrived before it. */
  readonly audioCountAtEvent: number[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  private readonly queue: { samples: Int16Array; offset: number; done: () => void }[] = [];
  private readonly changes = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private nextFrameAt = 0;

  constructor(agentUrl: string, ticket: string) {
    const url = new URL("/calls", agentUrl.replace(/^http/, "ws"));
    url.searchParams.set("ticket", ticket);
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", (error) => reject(new Error(`cannot reach the voice agent at ${agentUrl}: ${error.message}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => {
      clearInterval(this.timer);
      this.changed();
    });
    this.ws.on("message", (data, isBinary) => {
      if (isBinary) this.audio.push({ at: performance.now(), samples: bytesToSamples(data as Buffer) });
      else {
        this.audioCountAtEvent.push(this.audio.length);
        this.events.push(JSON.parse(String(data)) as LocalCallMessage);
      }
      this.changed();
    });
    void this.opened.then(
      () => {
        this.nextFrameAt = performance.now();
        this.timer = setInterval(() => this.sendDueFrames(), 10);
      },
      () => undefined,
    );
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Plays `samples` (16 kHz) into the call in real time; resolves once the last frame is sent. */
  speak(samples: Int16Array): Promise<void> {
    return new Promise((done) => this.queue.push({ samples, offset: 0, done }));
  }

  hangUp() {
    if (this.isOpen) this.ws.send(JSON.stringify({ type: "hangup" }));
  }

  close() {
    clearInterval(this.timer);
    this.ws.close();
  }

  /** Resolves true once `check` holds (tested on each event, audio chunk and close), false after `timeoutMs`. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const test = () => {
        if (check()) finish(true);
      };
      const finish = (result: boolean) => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.changes.delete(test);
        resolve(result);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      // Also on a clock, for checks about time passing (a pause in the audio).
      const ticker = setInterval(test, 100);
      this.changes.add(test);
      test();
    });
  }

  private changed() {
    for (const test of [...this.changes]) test();
  }

  private sendDueFrames() {
    const now = performance.now();
    while (this.nextFrameAt <= now && this.isOpen) {
      this.nextFrameAt += 20;
      const head = this.queue[0];
      let frame = new Int16Array(FRAME_SAMPLES);
      if (head) {
        frame = head.samples.slice(head.offset, head.offset + FRAME_SAMPLES);
        head.offset += FRAME_SAMPLES;
        if (head.offset >= head.samples.length) {
          this.queue.shift();
          head.done();
        }
      }
      this.ws.send(samplesToBytes(frame));
    }
  }
}

import WebSocket from "ws";
import { bytesToSamples, concatSamples } from "../../agent/audio.ts";

/** A caller on the local transport: real-time PCM16 16 kHz up (silence between utterances), 24 kHz audio down. */
export class LocalCaller {
  readonly ws: WebSocket;
  readonly events: Record<string, any>[] = [];
  readonly audio: { at: number; samples: Int16Array }[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  private pending: { samples: Int16Array; offset: number; done: () => void }[] = [];
  private readonly arrivals = new WeakMap<object, number>();
  private timer: NodeJS.Timeout | undefined;
  private next = performance.now();

  constructor(agentUrl: string, query: Record<string, string>) {
    const url = new URL("/calls", agentUrl.replace(/^http/, "ws"));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => this.ws.once("close", () => resolve()));
    void this.closed.then(() => clearInterval(this.timer));
    this.ws.on("message", (data, isBinary) => {
      if (isBinary) this.audio.push({ at: performance.now(), samples: bytesToSamples(data as Buffer) });
      else {
        const event = JSON.parse(data.toString());
        this.arrivals.set(event, performance.now());
        this.events.push(event);
      }
    });
    void this.opened.then(() => {
      this.next = performance.now();
      this.timer = setInterval(() => this.tick(), 10);
    });
  }

  say(samples16k: Int16Array): Promise<void> {
    return new Promise((done) => this.pending.push({ samples: samples16k, offset: 0, done }));
  }

  keys(digits: string) {
    this.ws.send(JSON.stringify({ type: "dtmf", digits }));
  }

  hangUp() {
    this.ws.send(JSON.stringify({ type: "hangup" }));
  }

  event(type: string) {
    return this.events.find((e) => e.type === type);
  }

  /** When `event` (one of `events`) arrived, on the `performance.now()` clock. */
  timeOf(event: object): number {
    const at = this.arrivals.get(event);
    if (at === undefined) throw new Error(`not an event of this caller: ${JSON.stringify(event)}`);
    return at;
  }

  heardSince(t: number): Int16Array {
    return concatSamples(this.audio.filter((a) => a.at >= t).map((a) => a.samples));
  }

  private tick() {
    const now = performance.now();
    while (this.next <= now && this.ws.readyState === WebSocket.OPEN) {
      this.next += 20;
      const head = this.pending[0];
      let frame = new Int16Array(320);
      if (head) {
        frame = head.samples.slice(head.offset, head.offset + 320);
        head.offset += 320;
        if (head.offset >= head.samples.length) {
          this.pending.shift();
          head.done();
        }
      }
      this.ws.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    }
  }
}

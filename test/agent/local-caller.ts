import WebSocket from "ws";
import { bytesToSamples, concatSamples } from "../../agent/audio.ts";
import { managementClient } from "../../client/index.ts";
import { issueLocalCallTicket } from "../../protocol/local-call-ticket.ts";
import type { BrowserCall } from "../../protocol/voice.ts";

/** A ticket for the local agent as the gateway issues them, minted with the shared secret: the caller is the test's choice. */
export async function mintTicket(agentSecret: string, grant: { serviceId: string; from: string; origin?: string }): Promise<string> {
  return (await issueLocalCallTicket(agentSecret, grant)).ticket;
}

/** What the gateway answers its account's `POST /api/v1/services/{id}/browser-calls` with in local mode. */
export async function browserCall(gatewayUrl: string, apiKey: string, serviceId: string): Promise<Extract<BrowserCall, { mode: "local" }>> {
  const { data, error, response } = await managementClient(gatewayUrl, apiKey).POST("/api/v1/services/{id}/browser-calls", { params: { path: { id: serviceId } } });
  if (response.status !== 201 || data?.mode !== "local") throw new Error(`browser-calls answered ${response.status} ${JSON.stringify(data ?? error)}`);
  return data;
}

/**
 * A caller on the local transport with a ticket (`mintTicket` or `browserCall`): real-time PCM16 16 kHz up (silence
 * between utterances), 24 kHz audio down. `origin`: the Origin header a browser would send.
 */
export class LocalCaller {
  readonly ws: WebSocket;
  readonly events: Record<string, any>[] = [];
  readonly audio: { at: number; samples: Int16Array }[] = [];
  readonly opened: Promise<void>;
  /** How the agent closed the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private pending: { samples: Int16Array; offset: number; done: () => void }[] = [];
  private readonly arrivals = new WeakMap<object, number>();
  private timer: NodeJS.Timeout | undefined;
  private next = performance.now();

  constructor(agentUrl: string, ticket: string, options: { origin?: string } = {}) {
    const url = new URL("/calls", agentUrl.replace(/^http/, "ws"));
    url.searchParams.set("ticket", ticket);
    this.ws = new WebSocket(url, options.origin ? { origin: options.origin } : {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
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

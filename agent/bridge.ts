import { EventEmitter } from "node:events";
import WebSocket from "ws";
import { openWebSocket } from "./websocket.ts";
import { type ClockOffset, type ClockSample, bestOffset, toGatewayTime } from "../protocol/clock.ts";
import { AGENT_SOCKET_PATH, type AgentToGateway, AgentToGatewaySchema, type GatewayToAgent } from "../protocol/bridge.ts";

export interface BridgeOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8787 (ws/wss is derived). */
  gatewayUrl: string;
  agentSecret: string;
  conversation: string;
  /** The waits before each attempt to open a dropped socket again (ms); after the last one the bridge is over. */
  reconnectDelaysMs?: readonly number[];
}

/** About 30 s of attempts: long enough for a gateway restart, short enough that a caller is not left in silence. */
export const DEFAULT_RECONNECT_DELAYS_MS: readonly number[] = [0, 250, 500, 1000, 2000, 2000, 3000, 3000, 4000, 5000, 5000, 5000];

/**
 * Clock probes sent each time a socket goes live, this far apart (protocol/clock.ts), then one every
 * CLOCK_PROBE_INTERVAL_MS while it is: a call starts while the agent is busiest (loading the session), when round trips
 * are long, and a later, quicker sample gives a better offset.
 */
const CLOCK_PROBES = 3;
const CLOCK_PROBE_SPACING_MS = 100;
const CLOCK_PROBE_INTERVAL_MS = 2_000;
/** The most recent clock samples kept: the clocks drift, so old samples go. */
const CLOCK_SAMPLES_KEPT = 9;

/** Close codes the gateway uses on purpose: 1000 the call is over, 1008 it refused the call. Not worth reopening. */
const FINAL_CLOSE_CODES = new Set([1000, 1008]);

type StartMessage = Extract<AgentToGateway, { type: "start" }>;

/**
 * The agent's side of the bridge: one WebSocket per call onto the call's Conversation Durable Object.
 *
 * Messages go out in order. A socket that drops mid-call is opened again and resumed (protocol/bridge.ts): the
 * gateway says how many of our messages it applied, we send the rest again, and it sends what the bot said meanwhile.
 * Emits `message` (GatewayToAgent), `reconnecting` (attempt) and `resumed`, and `close` (code, reason) once, when the
 * bridge is over for good.
 */
export class BridgeClient extends EventEmitter<{
  message: [GatewayToAgent];
  close: [number, string];
  reconnecting: [number];
  resumed: [];
}> {
  readonly url: string;
  private socket!: WebSocket;
  private start: StartMessage | undefined;
  /** Every message after `start`, in order. The first `written` are applied by the gateway or on the current socket. */
  private readonly log: AgentToGateway[] = [];
  private written = 0;
  /** The current socket is open and past its `start` / `resume`: log entries go straight out. */
  private live = false;
  private lastSayId = 0;
  private attempt = 0;
  private closing = false;
  private over = false;
  private readonly reconnectDelays: readonly number[];
  private readonly clockSamples: ClockSample[] = [];

  constructor(options: BridgeOptions) {
    super();
    const base = new URL(options.gatewayUrl);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    this.url = new URL(AGENT_SOCKET_PATH.replace("{conversation}", encodeURIComponent(options.conversation)), base).toString();
    this.reconnectDelays = options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
    this.connect(options.agentSecret, false);
  }

  /** Sends a message (validated against the shared schema), in order, through reconnections; dropped once over. */
  async send(message: AgentToGateway): Promise<void> {
    const checked = AgentToGatewaySchema.parse(message);
    if (this.over) return;
    if (checked.type === "start") {
      this.start = checked;
      if (this.socket.readyState === WebSocket.OPEN && !this.live) this.goLive();
      return;
    }
    this.log.push(checked);
    this.flush();
  }

  /** The gateway's clock minus ours, as measured on this bridge; undefined until a probe has come back. */
  get clockOffset(): ClockOffset | undefined {
    return bestOffset(this.clockSamples);
  }

  /** Our time `at` (Date.now()) in the gateway's clock, as well as we know it. */
  toGatewayTime(at: number): number {
    return toGatewayTime(at, this.clockOffset);
  }

  /** Sends a few clock probes on the live socket, outside the message log (they are not resent). */
  private probeClock(): void {
    const socket = this.socket;
    const probe = () => {
      if (socket !== this.socket || !this.live || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify({ type: "clock", agentSentAt: Date.now() } satisfies AgentToGateway));
      return true;
    };
    for (let i = 0; i < CLOCK_PROBES; i++) setTimeout(probe, i * CLOCK_PROBE_SPACING_MS).unref();
    const every = setInterval(() => {
      if (!probe()) clearInterval(every);
    }, CLOCK_PROBE_INTERVAL_MS).unref();
  }

  /**
   * Closes the bridge once everything sent has gone out. A socket still connecting or reconnecting is let finish for
   * that (bounded by the reconnection delays), so a hang-up said during a gateway restart still reaches the call.
   */
  close(): void {
    this.closing = true;
    this.flush();
  }

  private connect(secret: string, resuming: boolean): void {
    const socket = openWebSocket(this.url, { headers: { authorization: `Bearer ${secret}` } });
    this.socket = socket;
    const current = () => socket === this.socket && !this.over;
    let opened = false;
    socket.once("open", () => {
      if (!current()) return;
      opened = true;
      if (resuming) {
        socket.send(JSON.stringify({ type: "resume", lastSayId: this.lastSayId } satisfies AgentToGateway));
      } else if (this.start) {
        this.goLive();
      }
    });
    socket.once("unexpected-response", (_req, res) => {
      if (!current()) return;
      const status = res.statusCode ?? 0;
      // Refused (wrong secret, bad id): final. A gateway that is starting up may answer 5xx: the `close` that
      // follows tries again.
      if (!resuming || (status >= 400 && status < 500)) this.finish(1006, `bridge refused: HTTP ${status}`);
      socket.terminate();
    });
    socket.on("message", (data, isBinary) => {
      if (!current() || isBinary) return;
      let message: GatewayToAgent;
      try {
        message = JSON.parse(data.toString()) as GatewayToAgent;
      } catch {
        return;
      }
      if (message.type === "resumed") {
        this.attempt = 0;
        this.written = Math.min(message.received, this.log.length);
        this.live = true;
        this.emit("resumed");
        this.flush();
        this.probeClock();
        return;
      }
      if (message.type === "clock") {
        this.clockSamples.push({ agentSentAt: message.agentSentAt, gatewayAt: message.gatewayAt, agentReceivedAt: Date.now() });
        if (this.clockSamples.length > CLOCK_SAMPLES_KEPT) this.clockSamples.shift();
        return;
      }
      if (message.type === "say") this.lastSayId = Math.max(this.lastSayId, message.id);
      this.emit("message", message);
    });
    socket.on("close", (code, reason) => {
      if (!current()) return;
      this.live = false;
      if (FINAL_CLOSE_CODES.has(code)) return this.finish(code, reason.toString());
      // The first socket never opening is a gateway that is not there: nothing to resume. Any other drop, even while
      // closing, is resumed: only the gateway can say whether what was written last reached it.
      if (!resuming && !opened) return this.finish(1006, reason.toString() || "bridge could not connect");
      this.reconnect(secret);
    });
    socket.on("error", () => {
      /* followed by `close` */
    });
  }

  private goLive(): void {
    this.socket.send(JSON.stringify(this.start));
    this.live = true;
    this.flush();
    this.probeClock();
  }

  /** Writes what the current socket has not had yet; closes it after the last one if the bridge is closing. */
  private flush(): void {
    if (!this.live || this.socket.readyState !== WebSocket.OPEN) return;
    while (this.written < this.log.length) this.socket.send(JSON.stringify(this.log[this.written++]));
    if (this.closing) this.socket.close(1000, "done");
  }

  private reconnect(secret: string): void {
    const delay = this.reconnectDelays[this.attempt];
    if (delay === undefined) return this.finish(1006, `bridge lost; gave up after ${this.attempt} attempts to reconnect`);
    this.attempt++;
    this.emit("reconnecting", this.attempt);
    setTimeout(() => {
      if (!this.over) this.connect(secret, true);
    }, delay);
  }

  private finish(code: number, reason: string): void {
    if (this.over) return;
    this.over = true;
    this.live = false;
    this.emit("close", code, reason);
  }
}

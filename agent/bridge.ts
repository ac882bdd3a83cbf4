import { EventEmitter } from "node:events";
import WebSocket from "ws";
import { AGENT_SOCKET_PATH, type AgentToGateway, AgentToGatewaySchema, type GatewayToAgent } from "../protocol/bridge.ts";

export interface BridgeOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8787 (ws/wss is derived). */
  gatewayUrl: string;
  agentSecret: string;
  conversation: string;
}

/**
 * The agent's side of the bridge: one WebSocket per call onto the call's Conversation Durable Object.
 * Emits `message` (GatewayToAgent) and `close` (code, reason). Messages sent before the socket opens are queued.
 */
export class BridgeClient extends EventEmitter<{ message: [GatewayToAgent]; close: [number, string]; error: [Error] }> {
  readonly url: string;
  private socket: WebSocket;
  private readonly opened: Promise<void>;
  private closed = false;

  constructor(private readonly options: BridgeOptions) {
    super();
    const base = new URL(options.gatewayUrl);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    this.url = new URL(AGENT_SOCKET_PATH.replace("{conversation}", encodeURIComponent(options.conversation)), base).toString();
    this.socket = new WebSocket(this.url, { headers: { authorization: `Bearer ${options.agentSecret}` } });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("unexpected-response", (_req, res) => reject(new Error(`bridge refused: HTTP ${res.statusCode}`)));
      this.socket.once("error", reject);
    });
    this.opened.catch((error: Error) => {
      this.closed = true;
      this.emit("error", error);
      this.emit("close", 1006, error.message);
    });
    this.socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      let message: GatewayToAgent;
      try {
        message = JSON.parse(data.toString()) as GatewayToAgent;
      } catch {
        return;
      }
      this.emit("message", message);
    });
    this.socket.on("close", (code, reason) => {
      if (this.closed) return;
      this.closed = true;
      this.emit("close", code, reason.toString());
    });
    this.socket.on("error", () => {
      /* reported through `close` */
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Waits for the socket to open (rejects if the gateway refuses it). */
  ready(): Promise<void> {
    return this.opened;
  }

  /** Sends a message (validated against the shared schema); silently dropped once the socket is closed. */
  async send(message: AgentToGateway): Promise<void> {
    const checked = AgentToGatewaySchema.parse(message);
    await this.opened.catch(() => undefined);
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(checked));
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, "done");
  }
}

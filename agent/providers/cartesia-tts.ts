import { randomUUID } from "node:crypto";
import { APIConnectionError, type APIConnectOptions, APIStatusError, type tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import WebSocket from "ws";
import { type CartesiaReply, type CartesiaRequest, parseCartesiaMessage } from "./cartesia-messages.ts";
import { ChunkedOnlyTTS, ChunkedSynthesis } from "./chunked-tts.ts";
import { pushPcmFrames } from "./pcm-stream.ts";
import { openWebSocket } from "../websocket.ts";

export const CARTESIA_SAMPLE_RATE = 24_000;
/** The API version we speak (header `Cartesia-Version`). */
export const CARTESIA_VERSION = "2025-04-16";

export interface CartesiaTTSOptions {
  apiKey: string;
  /** Default wss://api.cartesia.ai. */
  baseUrl?: string;
  /** Default sonic-2. */
  model?: string;
  voice: string;
  /** Cartesia's language code (e.g. "en", "fr"). */
  language: string;
  speed?: number;
}

/**
 * Cartesia streaming text-to-speech over its WebSocket API: one connection per call, opened with the call and kept,
 * one context per sentence (Cartesia multiplexes them), base64 PCM chunks yielded as frames as they arrive. A
 * connection that drops fails the sentences in flight (retried from their start by ChunkedSynthesis) and the next
 * attempt opens a new one.
 */
export class CartesiaTTS extends ChunkedOnlyTTS {
  label = "phonemybot.CartesiaTTS";
  private socket: Promise<WebSocket> | undefined;
  private readonly contexts = new Map<string, (reply: CartesiaReply | "closed") => void>();

  constructor(readonly options: CartesiaTTSOptions) {
    super(CARTESIA_SAMPLE_RATE, 1);
  }

  override get model(): string {
    return this.options.model ?? "sonic-2";
  }

  override get provider(): string {
    return "cartesia";
  }

  /** Opens the connection ahead of the first sentence (the call is starting). */
  prewarm(): void {
    this.connection().catch(() => undefined);
  }

  request(text: string, contextId: string): CartesiaRequest {
    const { voice, language, speed } = this.options;
    return {
      model_id: this.model,
      transcript: text,
      voice: { mode: "id", id: voice },
      language,
      context_id: contextId,
      output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: CARTESIA_SAMPLE_RATE },
      continue: false,
      ...(speed !== undefined && speed !== 1 ? { generation_config: { speed } } : {}),
    };
  }

  /** The open connection, or a new one. */
  connection(): Promise<WebSocket> {
    const current = this.socket;
    if (current) return current;
    const opening = new Promise<WebSocket>((resolve, reject) => {
      const url = new URL("/tts/websocket", this.options.baseUrl ?? "wss://api.cartesia.ai");
      const ws = openWebSocket(url, { headers: { "X-API-Key": this.options.apiKey, "Cartesia-Version": CARTESIA_VERSION }, handshakeTimeout: 10_000 });
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_request, response) => {
        reject(new APIStatusError({ message: `Cartesia refused the connection (HTTP ${response.statusCode})`, options: { statusCode: response.statusCode ?? -1 } }));
        ws.terminate();
      });
      ws.on("error", (error) => reject(new APIConnectionError({ message: `Cartesia connection failed: ${error.message}` })));
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        const reply = parseCartesiaMessage(data.toString());
        if (reply.kind !== "other" && reply.contextId) this.contexts.get(reply.contextId)?.(reply);
      });
      ws.once("close", () => {
        if (this.socket === opening) this.socket = undefined;
        for (const listener of [...this.contexts.values()]) listener("closed");
      });
    });
    this.socket = opening;
    opening.catch(() => {
      if (this.socket === opening) this.socket = undefined;
    });
    return opening;
  }

  /** Routes the replies of one context to `listener` until `release` is called. */
  listen(contextId: string, listener: (reply: CartesiaReply | "closed") => void): () => void {
    this.contexts.set(contextId, listener);
    return () => this.contexts.delete(contextId);
  }

  protected chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream {
    return new CartesiaChunkedStream(this, text, connOptions, signal);
  }

  override async close(): Promise<void> {
    await super.close();
    const socket = this.socket;
    this.socket = undefined;
    socket?.then((ws) => ws.close(1000), () => undefined);
  }
}

class CartesiaChunkedStream extends ChunkedSynthesis<CartesiaTTS> {
  label = "phonemybot.CartesiaChunkedStream";

  protected async attempt(push: (frame: AudioFrame) => void): Promise<void> {
    const ws = await this.owner.connection();
    const contextId = randomUUID();
    const chunks = replies(this.owner, contextId, this.signal, () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ context_id: contextId, cancel: true }));
    });
    ws.send(JSON.stringify(this.owner.request(this.inputText, contextId)));
    await pushPcmFrames(chunks, CARTESIA_SAMPLE_RATE, push);
  }
}

/** The audio of one context as it arrives; throws on its error or a dropped connection, cancels it on abort. */
async function* replies(owner: CartesiaTTS, contextId: string, signal: AbortSignal, cancel: () => void): AsyncGenerator<Uint8Array> {
  const pending: (CartesiaReply | "closed" | "aborted")[] = [];
  let wake: (() => void) | undefined;
  const put = (reply: CartesiaReply | "closed" | "aborted") => {
    pending.push(reply);
    wake?.();
  };
  const release = owner.listen(contextId, put);
  const onAbort = () => put("aborted");
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const reply = pending.shift();
      if (!reply) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (reply === "aborted") {
        cancel();
        return;
      }
      if (reply === "closed") throw new APIConnectionError({ message: "Cartesia connection dropped mid-sentence" });
      if (reply.kind === "audio") yield reply.bytes;
      else if (reply.kind === "done") return;
      else if (reply.kind === "error") {
        throw new APIStatusError({ message: `Cartesia speech: ${reply.message}`, options: { statusCode: reply.status } });
      }
    }
  } finally {
    release();
    signal.removeEventListener("abort", onAbort);
  }
}

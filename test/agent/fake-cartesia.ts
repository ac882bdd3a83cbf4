import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { samplesToBytes } from "../../agent/audio.ts";
import { speak } from "./fake-openai.ts";
import { type FaultPlan, nextFault } from "./pcm-response.ts";

export interface CartesiaGeneration {
  connection: number;
  body: Record<string, any>;
  at: number;
}

export interface FakeCartesiaOptions {
  /** The key it accepts (`X-API-Key`); anything else is refused with 401 at the handshake. */
  apiKey?: string;
  /** Delay before a context's first chunk. */
  firstByteDelayMs?: number;
  /** Pause between 100 ms chunks (default 0). */
  chunkDelayMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A loopback server that answers like Cartesia's TTS WebSocket (`/tts/websocket`, `X-API-Key` and
 * `Cartesia-Version` headers): each generation request gets `chunk` messages (base64 `pcm_s16le` at the requested
 * rate, 100 ms each, real espeak-ng speech of the transcript) then `done`, all carrying its `context_id`; a bad
 * request gets an `error` with `status_code` 400; `{context_id, cancel: true}` stops that context.
 */
export async function startFakeCartesia(options: FakeCartesiaOptions = {}) {
  const apiKey = options.apiKey ?? "cartesia-key";
  const generations: CartesiaGeneration[] = [];
  const cancelled: string[] = [];
  let connections = 0;
  /** Each connection's `Sec-WebSocket-Extensions` request header (what the client offered). */
  const extensionsOffered: (string | undefined)[] = [];
  let faults: FaultPlan = { count: 0 };
  const server = createServer((_req, res) => res.writeHead(404).end());
  // A client that offers compression gets it, as from any ws server that allows it.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  server.on("upgrade", (req, socket, head) => {
    const reject = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/tts/websocket") return reject("404 Not Found");
    if (req.headers["x-api-key"] !== apiKey) return reject("401 Unauthorized");
    if (!req.headers["cartesia-version"]) return reject("400 Bad Request");
    extensionsOffered.push(req.headers["sec-websocket-extensions"]);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  wss.on("connection", (ws: WebSocket) => {
    const connection = ++connections;
    const stopped = new Set<string>();
    ws.on("message", (data) => {
      const body = JSON.parse(data.toString()) as Record<string, any>;
      const contextId = String(body.context_id ?? "");
      if (body.cancel) {
        cancelled.push(contextId);
        stopped.add(contextId);
        return;
      }
      generations.push({ connection, body, at: performance.now() });
      void generate(ws, body, contextId, stopped);
    });
  });

  async function generate(ws: WebSocket, body: Record<string, any>, contextId: string, stopped: Set<string>) {
    const send = (message: Record<string, unknown>) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ ...message, context_id: contextId }));
    const format = body.output_format ?? {};
    const problem = !body.model_id
      ? "model_id is required"
      : !body.transcript
        ? "transcript is required"
        : body.voice?.mode !== "id" || !body.voice?.id
          ? "voice must be {mode: id, id}"
          : format.container !== "raw" || format.encoding !== "pcm_s16le" || !format.sample_rate
            ? "the fake supports raw pcm_s16le only"
            : undefined;
    if (problem) return send({ type: "error", done: true, status_code: 400, error: problem });
    const fault = nextFault(faults);
    if (fault?.status) return send({ type: "error", done: true, status_code: fault.status, error: "Fault injected by the test" });
    const rate = Number(format.sample_rate);
    const language = String(body.language ?? "en");
    const pcm = samplesToBytes(speak(String(body.transcript), language === "en" ? "en-us" : language, rate));
    if (options.firstByteDelayMs) await sleep(options.firstByteDelayMs);
    const chunk = (rate / 10) * 2;
    for (let i = 0; i < pcm.length; i += chunk) {
      if (stopped.has(contextId) || ws.readyState !== ws.OPEN) return;
      if (fault?.afterBytes !== undefined && i >= fault.afterBytes) return ws.terminate();
      send({ type: "chunk", data: pcm.subarray(i, i + chunk).toString("base64"), done: false, status_code: 206, step_time: 12 });
      await sleep(options.chunkDelayMs ?? 0);
    }
    send({ type: "done", done: true, status_code: 206 });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    apiKey,
    generations,
    cancelled,
    /** WebSocket connections opened so far. */
    connections: () => connections,
    extensionsOffered,
    /** Cuts the connection during the next `count` generations after `afterBytes` of audio. */
    dropNext(count: number, afterBytes: number) {
      faults = { count, afterBytes };
    },
    /** Answers the next `count` generations with an `error` message of this status. */
    errorNext(count: number, status: number) {
      faults = { count, status };
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

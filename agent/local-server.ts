import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AudioFrame } from "@livekit/rtc-node";
import type { VAD } from "@livekit/agents";
import { type WebSocket, WebSocketServer } from "ws";
import { bytesToSamples, samplesToBytes } from "./audio.ts";
import { CallSession } from "./call.ts";
import type { AgentConfig } from "./config.ts";
import { PacedAudioOutput, PushAudioInput } from "./paced-output.ts";
import type { SpeechConfig } from "./providers/index.ts";
import { TEST_PAGE } from "./test-page.ts";

/** Caller audio in (PCM16 little-endian mono) and bot audio out, over the local WebSocket. */
export const LOCAL_INPUT_RATE = 16_000;
export const LOCAL_OUTPUT_RATE = 24_000;

/**
 * The local transport (no LiveKit): a browser or a test opens `GET /calls?serviceId=…&from=…` (or `to=…`) as a
 * WebSocket and exchanges
 *   caller → agent: binary frames of PCM16 LE mono 16 kHz; text `{"type":"dtmf","digits":"12#"}`, `{"type":"hangup"}`
 *   agent → caller: binary frames of PCM16 LE mono 24 kHz, paced in real time; text JSON: the call's events
 *     (`started`, `caller`, `bot`, `interrupted`, `ended`) and `{"type":"clear"}` (drop buffered audio: barge-in).
 * `GET /` serves a small test page that does this with the microphone.
 */
export async function startLocalServer(options: {
  port?: number;
  host?: string;
  agent: AgentConfig;
  speech: SpeechConfig;
  /** The VAD of a new call (see providers/silero.ts: one per call, over one shared model). */
  vadForCall: () => VAD;
}): Promise<{ server: Server; url: string; calls: Set<CallSession>; close: () => Promise<void> }> {
  const calls = new Set<CallSession>();
  const server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/" || req.url?.startsWith("/?"))) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(TEST_PAGE);
    } else if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, calls: calls.size }));
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: "/calls" });
  wss.on("connection", (ws, req) => onCall(ws, req));

  function onCall(ws: WebSocket, req: IncomingMessage) {
    const q = new URL(req.url ?? "/", "http://localhost").searchParams;
    const serviceId = q.get("serviceId") ?? undefined;
    const to = q.get("to") ?? undefined;
    if (!serviceId && !to) return ws.close(1008, "serviceId or to is required");
    const send = (message: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message));
    const input = new PushAudioInput();
    const output = new PacedAudioOutput(
      {
        write: (frame) => ws.readyState === ws.OPEN && ws.send(samplesToBytes(frame.data)),
        clear: () => send({ type: "clear" }),
      },
      LOCAL_OUTPUT_RATE,
    );
    const call = new CallSession({
      gatewayUrl: options.agent.gatewayUrl,
      agentSecret: options.agent.agentSecret,
      start: { from: q.get("from") || "browser", ...(to ? { to } : {}), ...(serviceId ? { serviceId } : {}), transport: "local" },
      input,
      output,
      vad: options.vadForCall(),
      speech: options.speech,
      noReplyTimeoutMs: options.agent.noReplyTimeoutMs,
      hangUp: (reason) => {
        send({ type: "ended", reason });
        ws.close(1000, reason.slice(0, 100));
      },
      onEvent: (event) => send(event),
    });
    calls.add(call);
    void call.done.finally(() => calls.delete(call));
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        const samples = bytesToSamples(data as Buffer);
        if (samples.length > 0) input.push(new AudioFrame(samples, LOCAL_INPUT_RATE, 1, samples.length));
        return;
      }
      let message: { type?: string; digits?: string };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.type === "dtmf" && typeof message.digits === "string") call.dtmf(message.digits);
      if (message.type === "hangup") void call.callerHangsUp();
    });
    ws.on("close", () => void call.callerHangsUp());
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    calls,
    close: async () => {
      await Promise.all([...calls].map((c) => c.callerHangsUp()));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

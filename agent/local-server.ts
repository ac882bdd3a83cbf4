import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AudioFrame } from "@livekit/rtc-node";
import type { VAD } from "@livekit/agents";
import { type WebSocket, WebSocketServer } from "ws";
import { simulatedTransfer } from "../protocol/transfer.ts";
import type { LocalCallMessage } from "../protocol/voice.ts";
import { samplesToBytes } from "./audio.ts";
import { PcmFramer, chunkSamples } from "./pcm-framer.ts";
import { CallSession } from "./call.ts";
import type { AgentConfig } from "./config.ts";
import { UsedTickets, admitLocalCall } from "./local-call-admission.ts";
import { PacedAudioOutput, PushAudioInput } from "./paced-output.ts";
import type { SpeechConfig } from "./providers/index.ts";
import { voiceCatalogue } from "./voice-samples.ts";

/** Caller audio in (PCM16 little-endian mono) and bot audio out, over the local WebSocket. */
export const LOCAL_INPUT_RATE = 16_000;
/**
 * The caller's audio reaches the framework in 40 ms frames, whatever size the socket's messages have (callers send
 * 20 ms): each frame costs the framework's audio pipeline a fixed toll of stream hops and promises, the agent's
 * largest CPU item per call (docs/performance.md). The recognizer gets the same 40 ms chunks, so no audio waits longer
 * for it than with 20 ms frames cut into 50 ms chunks.
 */
export const LOCAL_INPUT_FRAME_MS = 40;
export const LOCAL_OUTPUT_RATE = 24_000;

/**
 * The local transport (no LiveKit): a browser or a test opens `GET /calls?ticket=…` as a WebSocket, with a ticket
 * from the gateway (`POST /api/v1/services/{id}/browser-calls`; protocol/local-call-ticket.ts), and exchanges
 *   caller → agent: binary frames of PCM16 LE mono 16 kHz; text `{"type":"dtmf","digits":"12#"}`, `{"type":"hangup"}`
 *   agent → caller: binary frames of PCM16 LE mono 24 kHz, paced in real time; text JSON: the call's events
 *     (`started`, `caller`, `bot`, `interrupted`, `transfer`, `ended`), `{"type":"clear"}` (drop buffered audio: barge-in) and
 *     `{"type":"dtmf","digits":"1"}` (a key the bot sends, one per event, in order).
 * The call's service and caller come from the ticket; a ticket with `answer` answers that ringing call the bot started
 * (the callee hears the bot's body first). A socket without a good ticket, or from a web page on another
 * origin than the ticket's, is closed at once with code 1008 and the reason (local-call-admission.ts).
 */
export async function startLocalServer(options: {
  port?: number;
  host?: string;
  /** The file descriptor of a socket already listening (bound by `npm start`), instead of `port` and `host`. */
  listenFd?: number;
  agent: AgentConfig;
  speech: SpeechConfig;
  /** The VAD of a new call (see providers/silero.ts: one per call, over one shared model). */
  vadForCall: () => VAD;
}): Promise<{ server: Server; url: string; calls: Set<CallSession>; close: () => Promise<void> }> {
  const calls = new Set<CallSession>();
  const usedTickets = new UsedTickets();
  const voices = voiceCatalogue(options.speech);
  const server = createServer((req, res) => {
    if (voices.handle(req, res)) return;
    if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, calls: calls.size }));
    } else if (req.method === "GET" && req.url === "/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("PhoneMyBot voice agent. Call a service from the portal: its Call from browser tab.\n");
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/calls") return socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    // Until ws takes the socket over, a reset while the ticket is checked must not go unhandled (it would be thrown).
    socket.on("error", () => socket.destroy());
    // Checked before the upgrade completes, so that no caller message can arrive before the call exists.
    admitLocalCall({ ticket: url.searchParams.get("ticket"), origin: req.headers.origin }, options.agent.agentSecret, usedTickets).then(
      (admission) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (admission.ok) onCall(ws, admission);
          else ws.close(1008, admission.reason);
        }),
      () => socket.destroy(),
    );
  });

  function onCall(ws: WebSocket, admitted: { serviceId: string; from: string; answer?: string }) {
    const { answer, ...start } = admitted;
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
      // A ticket that answers a call the bot started joins that call as its callee.
      ...(answer ? { conversation: answer } : {}),
      start: { ...start, transport: "local", ...(answer ? { outbound: true } : {}) },
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
      sendDtmf: (digit) => void send({ type: "dtmf", digits: digit } satisfies LocalCallMessage),
      // No phone network here: transfers are simulated (the test range fails as busy); the caller gets a `transfer` event.
      transfer: async (to) => simulatedTransfer(to),
    });
    calls.add(call);
    void call.done.finally(() => calls.delete(call));
    const inputFrames = new PcmFramer((LOCAL_INPUT_RATE / 1000) * LOCAL_INPUT_FRAME_MS * 2);
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        for (const chunk of inputFrames.write(data as Buffer)) {
          const samples = chunkSamples(chunk);
          input.push(new AudioFrame(samples, LOCAL_INPUT_RATE, 1, samples.length));
        }
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

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve();
    };
    if (options.listenFd !== undefined) server.listen({ fd: options.listenFd }, listening);
    else server.listen(options.port ?? 0, options.host ?? "127.0.0.1", listening);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    calls,
    close: async () => {
      await Promise.all([...calls].map((c) => c.callerHangsUp()));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { bytesToSamples, rms, samplesToBytes } from "../../agent/audio.ts";
import { speak } from "./fake-openai.ts";
import { type FaultPlan, type PcmPacing, nextFault, streamPcm } from "./pcm-response.ts";

export interface DeepgramConnection {
  /** `/v1/listen` (nova, endpointing) or `/v2/listen` (Flux, turns). */
  path: string;
  authorization: string | undefined;
  /** The WebSocket extensions the client offered (`Sec-WebSocket-Extensions`). */
  extensions: string | undefined;
  query: URLSearchParams;
  audioBytes: number;
  /** The audio received, in order. */
  audio: Buffer[];
  controls: string[];
  /** The `keyterms` of each `Configure` message, in order. */
  configuredKeyterms: string[][];
  /** Each `Configure` message as received, in order. */
  configures: Record<string, unknown>[];
  /** Why each refused `Configure` was refused (answered `ConfigureFailure`, as Deepgram does). */
  configureFailures: string[];
  /** Flux: each `TurnInfo` event sent, with its transcript and when. */
  turnEvents: { event: string; transcript: string; at: number }[];
  closed: boolean;
}

export interface SpeakRequest {
  authorization: string | undefined;
  query: URLSearchParams;
  text: string;
  at: number;
}

/**
 * A loopback server that answers like Deepgram:
 * - streaming `/v1/listen` (nova): it segments the linear16 audio it receives by energy (in audio time), sends an
 *   interim `Results` after 200 ms of speech and, after `endpointing` ms of silence, a final one with
 *   `speech_final: true`. `Finalize` flushes the current utterance (`from_finalize`); `CloseStream` closes the socket.
 * - streaming `/v2/listen` (Flux): `Connected`, then per turn a `TurnInfo` `StartOfTurn` after 200 ms of speech and
 *   an `EndOfTurn` after `eot_threshold` × 300 ms of silence (Flux's end-of-turn model, stood in for by silence);
 *   `ForceEndTurn` ends the turn at once. A model that is not a Flux one is refused (400), as is a missing key (401).
 *   With `eager_eot_threshold` (0.3–0.9, not above `eot_threshold`, else 400) an `EagerEndOfTurn` comes after
 *   `eager_eot_threshold` × 300 ms of silence, then `TurnResumed` if the caller speaks again before the end of turn,
 *   or the `EndOfTurn` with the same words. A transcript's " / " marks the caller's pauses: an `EagerEndOfTurn` in
 *   the first pause carries the words before it, and so on; `EndOfTurn` carries them all.
 * - key terms as Deepgram takes them: the `keyterm` parameter on Nova-3 and Flux only, `keywords` not on Flux (400);
 *   a `Configure` message is answered `ConfigureSuccess` or `ConfigureFailure`: on `/v1/listen` Nova-3 only, with
 *   `keyterms` and `features`; on Flux with `keyterms`, `thresholds` and `language_hints` (no features).
 * - `POST /v1/speak` (Aura-2): raw linear16 at `sample_rate` (`container=none`), streamed in 100 ms chunks; real
 *   speech of the text (espeak-ng) so that it can be heard back.
 * The words heard come from `transcripts`, one per utterance, in order.
 */
export interface FakeDeepgramOptions extends PcmPacing {
  /** Added before each final result is sent (a provider's processing time, for benchmarks). */
  finalDelayMs?: number;
  /** Words for utterances once `transcripts` has run out (default: none, an empty transcript). */
  fallback?: string;
  /** Added before each `EagerEndOfTurn` (Flux's processing, for benchmarks). */
  eagerDelayMs?: number;
}

/** Flux's end of turn, stood in for by silence: the more confidence it asks for, the longer it waits. */
export const fluxSilenceMs = (eotThreshold: number) => Math.round(eotThreshold * 300);

export async function startFakeDeepgram(transcripts: string[], options: FakeDeepgramOptions = {}) {
  const connections: DeepgramConnection[] = [];
  const queue = [...transcripts];
  const speakRequests: SpeakRequest[] = [];
  let speakFaults: FaultPlan = { count: 0 };
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url?.startsWith("/v1/speak")) void answerSpeak(req, res);
    else res.writeHead(404).end();
  });
  const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
    res.writeHead(status, { "content-type": "application/json", "dg-request-id": "fake-refused" }).end(JSON.stringify({ err_code: code, err_msg: message, request_id: "fake-refused" }));

  async function answerSpeak(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    let text = "";
    try {
      text = String((JSON.parse(Buffer.concat(chunks).toString()) as { text?: unknown }).text ?? "");
    } catch {
      return refuse(res, 400, "INVALID_JSON", "Invalid JSON body.");
    }
    speakRequests.push({ authorization: req.headers.authorization, query, text, at: performance.now() });
    if (!req.headers.authorization?.startsWith("Token ")) return refuse(res, 401, "INVALID_AUTH", "Invalid credentials.");
    const model = query.get("model") ?? "";
    if (!/^aura-2-[a-z]+-[a-z]{2}$/.test(model)) return refuse(res, 400, "INVALID_QUERY_PARAMETER", `No such model: ${model}`);
    if (query.get("encoding") !== "linear16" || query.get("container") !== "none") return refuse(res, 400, "UNSUPPORTED", "The fake speaks raw linear16 only.");
    if (!text.trim()) return refuse(res, 400, "INVALID_TEXT", "Text is empty.");
    const fault = nextFault(speakFaults);
    if (fault?.status) return refuse(res, fault.status, fault.status === 429 ? "TOO_MANY_REQUESTS" : "INTERNAL", "Fault injected by the test.");
    const rate = Number(query.get("sample_rate") ?? 24_000);
    const language = model.slice(-2);
    await streamPcm(res, samplesToBytes(speak(text, language === "en" ? "en-us" : language, rate)), rate, options, fault?.afterBytes);
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const reject = (status: string) => socket.end(`HTTP/1.1 ${status}\r\ndg-request-id: fake-refused\r\nConnection: close\r\n\r\n`);
    if (url.pathname !== "/v1/listen" && url.pathname !== "/v2/listen") return reject("404 Not Found");
    if (!req.headers.authorization?.startsWith("Token ")) return reject("401 Unauthorized");
    if (url.pathname === "/v2/listen") {
      const eot = Number(url.searchParams.get("eot_threshold") ?? 0.7);
      if (!url.searchParams.get("model")?.startsWith("flux-") || !(eot >= 0.5 && eot <= 1)) return reject("400 Bad Request");
      if (url.searchParams.has("keywords")) return reject("400 Bad Request");
      const eager = url.searchParams.get("eager_eot_threshold");
      if (eager !== null && !(Number(eager) >= 0.3 && Number(eager) <= 0.9 && Number(eager) <= eot)) return reject("400 Bad Request");
    } else if (url.searchParams.has("keyterm") && !url.searchParams.get("model")?.startsWith("nova-3")) return reject("400 Bad Request");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  let requestCounter = 0;

  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const flux = url.pathname === "/v2/listen";
    const conn: DeepgramConnection = { path: url.pathname, authorization: req.headers.authorization, extensions: req.headers["sec-websocket-extensions"], query: url.searchParams, audioBytes: 0, audio: [], controls: [], configuredKeyterms: [], configures: [], configureFailures: [], turnEvents: [], closed: false };
    connections.push(conn);
    const sampleRate = Number(url.searchParams.get("sample_rate") ?? 16000);
    const endpointingMs = flux ? fluxSilenceMs(Number(url.searchParams.get("eot_threshold") ?? 0.7)) : Number(url.searchParams.get("endpointing") ?? 300) || 300;
    const eagerParam = flux ? url.searchParams.get("eager_eot_threshold") : null;
    const eagerSilenceMs = eagerParam === null ? undefined : fluxSilenceMs(Number(eagerParam));
    /** This turn's pauses long enough for an eager end (each one ended by the caller speaking again), and whether one is out. */
    let pauses = 0;
    let eagerOut = false;
    let eagerTimer: NodeJS.Timeout | undefined;
    const requestId = `fake-${++requestCounter}`;
    let sequence = 0;
    let turnIndex = 0;
    if (flux) ws.send(JSON.stringify({ type: "Connected", request_id: requestId, sequence_id: sequence++ }));
    let voicedMs = 0;
    let silenceMs = 0;
    let interimSent = false;
    let audioMs = 0;
    let uttStart = 0;
    /** Where the utterance's last voiced chunk ended: nova's words end there, as Deepgram's word times do. */
    let voicedUntil = 0;

    const turnWords = (text: string, upToPause?: number) => {
      const parts = text.split(" / ");
      return parts.slice(0, upToPause === undefined ? parts.length : upToPause + 1).join(" ");
    };
    const results = (text: string, isFinal: boolean, speechFinal: boolean, extra: Record<string, unknown> = {}, fluxEvent?: string) => {
      text = turnWords(text);
      const words = text.split(/\s+/).filter(Boolean);
      const dur = Math.max(0.1, (audioMs - uttStart) / 1000);
      const spoken = Math.max(1, Math.min(audioMs, voicedUntil) - uttStart);
      if (flux) {
        conn.turnEvents.push({ event: fluxEvent ?? (isFinal ? "EndOfTurn" : "StartOfTurn"), transcript: text, at: performance.now() });
        ws.send(
          JSON.stringify({
            type: "TurnInfo",
            request_id: requestId,
            sequence_id: sequence++,
            event: fluxEvent ?? (isFinal ? "EndOfTurn" : "StartOfTurn"),
            turn_index: turnIndex,
            audio_window_start: uttStart / 1000,
            audio_window_end: uttStart / 1000 + dur,
            transcript: text,
            words: words.map((w) => ({ word: w, confidence: 0.97 })),
            end_of_turn_confidence: isFinal ? 0.92 : fluxEvent === "EagerEndOfTurn" ? 0.55 : 0.01,
          }),
        );
        if (isFinal && !fluxEvent) turnIndex++;
        return;
      }
      ws.send(
        JSON.stringify({
          type: "Results",
          channel_index: [0, 1],
          duration: dur,
          start: uttStart / 1000,
          is_final: isFinal,
          speech_final: speechFinal,
          channel: {
            alternatives: [
              {
                transcript: text,
                confidence: 0.98,
                words: words.map((w, i) => ({
                  word: w.toLowerCase().replace(/[^a-z0-9']/g, ""),
                  punctuated_word: w,
                  start: (uttStart + (i * spoken) / words.length) / 1000,
                  end: (uttStart + ((i + 1) * spoken) / words.length) / 1000,
                  confidence: 0.98,
                })),
              },
            ],
          },
          metadata: { request_id: requestId, model_info: { name: "fake" } },
          ...extra,
        }),
      );
    };
    const eagerEnd = () => {
      const text = turnWords(queue[0] ?? options.fallback ?? "", pauses);
      if (!text || ws.readyState !== ws.OPEN) return;
      eagerOut = true;
      results(text, false, false, {}, "EagerEndOfTurn");
    };
    const finish = (extra: Record<string, unknown> = {}) => {
      clearTimeout(eagerTimer);
      eagerTimer = undefined;
      pauses = 0;
      eagerOut = false;
      const text = queue.shift() ?? options.fallback ?? "";
      if (options.finalDelayMs) {
        const at = audioMs;
        setTimeout(() => {
          if (ws.readyState !== ws.OPEN) return;
          const now = audioMs;
          audioMs = at;
          results(text, true, true, extra);
          audioMs = now;
        }, options.finalDelayMs);
      } else results(text, true, true, extra);
      voicedMs = 0;
      silenceMs = 0;
      interimSent = false;
    };

    /** Deepgram's `Configure` (Nova-3 on `/v1/listen`, Flux): applied or refused, answered either way. */
    const refusalOf = (message: Record<string, unknown>): string | undefined => {
      if (!flux && !conn.query.get("model")?.startsWith("nova-3")) return "Configure is for Nova-3 streams";
      const allowed = flux ? ["type", "keyterms", "thresholds", "language_hints"] : ["type", "keyterms", "features"];
      const unknown = Object.keys(message).find((key) => !allowed.includes(key));
      if (unknown) return `unknown field ${unknown}`;
      const { keyterms } = message;
      if (keyterms !== undefined && !(Array.isArray(keyterms) && keyterms.every((k) => typeof k === "string"))) return "keyterms must be an array of strings";
      return undefined;
    };
    const configure = (message: Record<string, unknown>) => {
      conn.configures.push(message);
      const refusal = refusalOf(message);
      if (refusal) {
        conn.configureFailures.push(refusal);
        ws.send(JSON.stringify({ type: "ConfigureFailure", request_id: requestId, ...(flux ? { sequence_id: sequence++ } : { description: refusal }) }));
        return;
      }
      if (Array.isArray(message.keyterms)) conn.configuredKeyterms.push(message.keyterms as string[]);
      ws.send(JSON.stringify({ type: "ConfigureSuccess", request_id: requestId, keyterms: message.keyterms ?? [], ...(flux ? { thresholds: {}, sequence_id: sequence++ } : {}) }));
    };

    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        const message = JSON.parse(data.toString()) as { type: string; keyterms?: string[] };
        conn.controls.push(message.type);
        if (message.type === "Configure") configure(message);
        if ((message.type === (flux ? "ForceEndTurn" : "Finalize")) && voicedMs > 0) finish(flux ? {} : { from_finalize: true });
        if (message.type === "CloseStream") ws.close(1000);
        return;
      }
      const buf = data as Buffer;
      conn.audioBytes += buf.length;
      conn.audio.push(buf);
      const samples = bytesToSamples(buf);
      const ms = (samples.length / sampleRate) * 1000;
      audioMs += ms;
      if (rms(samples) > 0.02) {
        if (eagerTimer || eagerOut) {
          // The caller went on after a pause long enough for an eager end of turn.
          clearTimeout(eagerTimer);
          eagerTimer = undefined;
          if (eagerOut) results("", false, false, {}, "TurnResumed");
          eagerOut = false;
          pauses++;
        }
        if (voicedMs === 0) uttStart = audioMs - ms;
        voicedMs += ms;
        voicedUntil = audioMs;
        silenceMs = 0;
        if (!interimSent && voicedMs >= 200 && (queue.length > 0 || options.fallback)) {
          interimSent = true;
          results((queue[0] ?? options.fallback)!.split(" ")[0]!, false, false);
        }
      } else if (voicedMs > 0) {
        silenceMs += ms;
        if (eagerSilenceMs !== undefined && !eagerOut && !eagerTimer && silenceMs >= eagerSilenceMs && silenceMs < endpointingMs) {
          eagerTimer = setTimeout(() => {
            eagerTimer = undefined;
            eagerEnd();
          }, options.eagerDelayMs ?? 0);
        }
        if (silenceMs >= endpointingMs) finish();
      }
    });
    ws.on("close", () => {
      conn.closed = true;
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    /** Transcripts not consumed yet. */
    remaining: () => queue.length,
    push: (...more: string[]) => queue.push(...more),
    /** Aura-2 speech requests, in order. */
    speakRequests,
    /** Cuts the connection of the next `count` speech responses after `afterBytes` of audio. */
    dropNextSpeech(count: number, afterBytes: number) {
      speakFaults = { count, afterBytes };
    },
    /** Answers the next `count` speech requests with an error status. */
    refuseNextSpeech(count: number, status: number) {
      speakFaults = { count, status };
    },
    /** Drops every open connection without a close frame, as a network failure would. */
    drop: () => {
      for (const client of wss.clients) client.terminate();
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

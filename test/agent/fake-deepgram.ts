import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { bytesToSamples, rms } from "../../agent/audio.ts";

export interface DeepgramConnection {
  authorization: string | undefined;
  query: URLSearchParams;
  audioBytes: number;
  /** The audio received, in order. */
  audio: Buffer[];
  controls: string[];
  /** The `keyterms` of each `Configure` message, in order. */
  configuredKeyterms: string[][];
  closed: boolean;
}

/**
 * A loopback server that answers like Deepgram's streaming `/v1/listen`: it segments the linear16 audio it receives
 * by energy (in audio time), sends an interim `Results` after 200 ms of speech and, after `endpointing` ms of
 * silence, a final one with `speech_final: true`. The words come from `transcripts`, one per utterance, in order.
 * `Finalize` flushes the current utterance (`from_finalize`); `CloseStream` closes the socket.
 */
export interface FakeDeepgramOptions {
  /** Added before each final result is sent (a provider's processing time, for benchmarks). */
  finalDelayMs?: number;
  /** Words for utterances once `transcripts` has run out (default: none, an empty transcript). */
  fallback?: string;
}

export async function startFakeDeepgram(transcripts: string[], options: FakeDeepgramOptions = {}) {
  const connections: DeepgramConnection[] = [];
  const queue = [...transcripts];
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: "/v1/listen" });
  let requestCounter = 0;

  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const conn: DeepgramConnection = { authorization: req.headers.authorization, query: url.searchParams, audioBytes: 0, audio: [], controls: [], configuredKeyterms: [], closed: false };
    connections.push(conn);
    const sampleRate = Number(url.searchParams.get("sample_rate") ?? 16000);
    const endpointingMs = Number(url.searchParams.get("endpointing") ?? 300) || 300;
    const requestId = `fake-${++requestCounter}`;
    let voicedMs = 0;
    let silenceMs = 0;
    let interimSent = false;
    let audioMs = 0;
    let uttStart = 0;

    const results = (text: string, isFinal: boolean, speechFinal: boolean, extra: Record<string, unknown> = {}) => {
      const words = text.split(/\s+/).filter(Boolean);
      const dur = Math.max(0.1, (audioMs - uttStart) / 1000);
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
                  start: uttStart / 1000 + (i * dur) / words.length,
                  end: uttStart / 1000 + ((i + 1) * dur) / words.length,
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
    const finish = (extra: Record<string, unknown> = {}) => {
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

    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        const message = JSON.parse(data.toString()) as { type: string; keyterms?: string[] };
        conn.controls.push(message.type);
        if (message.type === "Configure" && message.keyterms) conn.configuredKeyterms.push(message.keyterms);
        if (message.type === "Finalize" && voicedMs > 0) finish({ from_finalize: true });
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
        if (voicedMs === 0) uttStart = audioMs - ms;
        voicedMs += ms;
        silenceMs = 0;
        if (!interimSent && voicedMs >= 200 && (queue.length > 0 || options.fallback)) {
          interimSent = true;
          results((queue[0] ?? options.fallback)!.split(" ")[0]!, false, false);
        }
      } else if (voicedMs > 0) {
        silenceMs += ms;
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

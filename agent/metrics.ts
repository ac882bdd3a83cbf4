import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobMetrics } from "./job-metrics.ts";

/**
 * The agent's Prometheus metrics (prom-client), served on `AGENT_METRICS_PORT`
 * (`GET /metrics`, text format). Spans are the agent's share of a turn's latency (protocol/turns.ts), measured on its
 * own clock: the recognizer, the wait for the bot's reply (gateway + bot), the synthesizer's first audio, and the
 * caller-perceived gap; the gateway's own split is on each call's record (`turns[]`).
 *
 * Two registries: the process's own (prom-client's default metrics) and the calls' (`callRegistry`). On the LiveKit
 * path each call runs in a job process of the framework's, which pushes its call metrics to the worker's process
 * (agent/job-metrics-push.ts); those are summed with this process's call metrics when scraped, never the process
 * metrics of other processes.
 */
const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: "phonemybot_agent_" });
export const callRegistry = new Registry();
const registers = [callRegistry];

export const activeCalls = new Gauge({ name: "phonemybot_agent_active_calls", help: "Calls this agent carries now (with the calls of its job processes)", registers });
export const callsTotal = new Counter({ name: "phonemybot_agent_calls_total", help: "Calls started, by how they ended", labelNames: ["reason"], registers });
export const turnsTotal = new Counter({ name: "phonemybot_agent_turns_total", help: "Caller turns sent to the gateway", registers });

export const AGENT_SPANS = ["stt", "reply_wait", "tts", "gap"] as const;
export type AgentSpan = (typeof AGENT_SPANS)[number];
export const turnSpanSeconds = new Histogram({
  name: "phonemybot_agent_turn_span_seconds",
  help: "Per-turn latency spans: stt (speech end to final transcript), reply_wait (transcript sent to the bot's reply back: gateway and bot), tts (reply received to first audio), gap (speech end to first audio)",
  labelNames: ["span"],
  buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13],
  registers,
});

export const bargeInSeconds = new Histogram({
  name: "phonemybot_agent_barge_in_seconds",
  help: "Barge-in: the VAD detected the caller's speech over the bot → the paced output stopped the bot's audio (local transport)",
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
  registers,
});

export const vadWindows = new Counter({
  name: "phonemybot_agent_vad_windows_total",
  help: "Silero VAD windows (32 ms of a caller's audio that reached the VAD), by whether the model ran (`run`) or long digital silence was answered without it (`skipped`); audio the gate keeps from the VAD is not counted",
  labelNames: ["model"],
  registers,
});

export const speechErrors = new Counter({
  name: "phonemybot_agent_speech_errors_total",
  help: "Speech provider errors (stt_error, tts_error), by whether the framework retries",
  labelNames: ["type", "recoverable"],
  registers,
});
export const speechReconnects = new Counter({
  name: "phonemybot_agent_speech_reconnects_total",
  help: "Speech provider connections opened again mid-call (Deepgram stream) or requests tried again (TTS)",
  labelNames: ["provider"],
  registers,
});
export const bridgeReconnects = new Counter({
  name: "phonemybot_agent_bridge_reconnects_total",
  help: "Attempts to reopen a call's dropped WebSocket to the gateway",
  registers,
});

export function observeSpan(span: AgentSpan, ms: number): void {
  if (Number.isFinite(ms) && ms >= 0) turnSpanSeconds.observe({ span }, ms / 1000);
}

/** The Prometheus text: this process's metrics, and its calls' summed with those its job processes pushed (if any). */
export async function metricsText(jobs?: JobMetrics): Promise<string> {
  // `aggregate` typed loosely: what prom-client gives as JSON is what it takes (agent/job-metrics.ts).
  const calls = jobs ? AggregatorRegistry.aggregate([await callRegistry.getMetricsAsJSON(), ...((await jobs.snapshots()) as never[])]) : callRegistry;
  return `${await processRegistry.metrics()}\n${await calls.metrics()}`;
}

/** Serves `GET /metrics` on `port` (0: any free port); `jobs`: call metrics pushed by job processes, added in. */
export async function startMetricsServer(
  port: number,
  host = "0.0.0.0",
  jobs?: JobMetrics,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") return void res.writeHead(404).end();
    metricsText(jobs).then(
      (text) => res.writeHead(200, { "content-type": processRegistry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `AGENT_METRICS_PORT` from the environment: a port, or undefined when metrics are not served. */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.AGENT_METRICS_PORT;
  if (raw === undefined || raw === "") return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`AGENT_METRICS_PORT must be a port number, not ${JSON.stringify(raw)}`);
  return port;
}

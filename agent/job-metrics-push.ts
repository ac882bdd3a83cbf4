import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { type JobMetrics, MetricsJsonSchema } from "./job-metrics.ts";
import { callRegistry } from "./metrics.ts";

/**
 * The channel by which the framework's job processes (one per call on the LiveKit path) hand their call metrics to
 * the worker's process, which serves `/metrics`: the framework keeps its IPC channel to them to itself, so the worker
 * listens on loopback and tells the jobs where, in an environment variable that the processes it forks inherit.
 */
export const JOB_METRICS_ENV = "PHONEMYBOT_JOB_METRICS";

/** How often a job pushes, and how long a silent one counts as alive. */
export const JOB_PUSH_INTERVAL_MS = 5_000;
export const JOB_SILENT_AFTER_MS = 3 * JOB_PUSH_INTERVAL_MS + 1_000;

const PushTargetSchema = z.object({
  url: z.string().url(),
  token: z.string().min(16),
  intervalMs: z.number().int().positive(),
  /** The worker's process: its own calls are in its registry already, so it never pushes to itself. */
  workerPid: z.number().int(),
});
type PushTarget = z.infer<typeof PushTargetSchema>;

export const JobPushSchema = z.object({ job: z.string().min(1).max(100), final: z.boolean(), metrics: MetricsJsonSchema });

const MAX_PUSH_BYTES = 1024 * 1024;

/**
 * The worker's side: listens on 127.0.0.1 for pushes (`POST /jobs`, `Authorization: Bearer <token>`, a fresh token
 * per worker) and records them in `jobs`. `env` is what to put in `process.env[JOB_METRICS_ENV]` before the
 * framework forks its job processes.
 */
export async function startJobMetricsReceiver(jobs: JobMetrics, intervalMs: number): Promise<{ env: string; close: () => Promise<void> }> {
  const token = randomBytes(24).toString("base64url");
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? "");
    const expected = Buffer.from(`Bearer ${token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/jobs") return void res.writeHead(404).end();
    if (!authorized(req.headers.authorization)) return void res.writeHead(401).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PUSH_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "not JSON" }));
      }
      const push = JobPushSchema.safeParse(json);
      if (!push.success) {
        const field = push.error.issues[0]?.path.join(".") ?? "";
        return void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid push", field }));
      }
      jobs.report(push.data.job, push.data.metrics, push.data.final).then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const target: PushTarget = { url: `http://127.0.0.1:${port}/jobs`, token, intervalMs, workerPid: process.pid };
  return { env: JSON.stringify(target), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * A job process's side: when the worker asked for them (its environment, inherited), pushes this process's call metrics every
 * `intervalMs` and once more, final, when `finish` is called (the call is over). Undefined when not asked.
 */
export function startJobMetricsPush(env: NodeJS.ProcessEnv = process.env): { finish: () => Promise<void> } | undefined {
  const raw = env[JOB_METRICS_ENV];
  if (!raw) return undefined;
  const target = PushTargetSchema.parse(JSON.parse(raw));
  if (target.workerPid === process.pid) return undefined;
  const job = `${process.pid}-${randomUUID()}`;
  const send = async (final: boolean) => {
    const body = JSON.stringify({ job, final, metrics: await callRegistry.getMetricsAsJSON() });
    // A worker that cannot take one now gets the next.
    const headers = { authorization: `Bearer ${target.token}`, "content-type": "application/json" };
    await fetch(target.url, { method: "POST", headers, body }).then((res) => res.arrayBuffer(), () => undefined);
  };
  // One push at a time, in order: a periodic one still on its way must not land after the final one.
  let pushing = Promise.resolve();
  let over = false;
  const push = (final: boolean) => (pushing = pushing.then(() => send(final)));
  const timer = setInterval(() => void (over || push(false)), target.intervalMs);
  timer.unref();
  void push(false);
  return {
    finish: () => {
      clearInterval(timer);
      if (!over) {
        over = true;
        void push(true);
      }
      return pushing;
    },
  };
}

/**
 * In a job process of the framework's (agent/main.ts's entry: one call): pushes the job's call metrics while `call`
 * runs, and a final time once it is over, when the call's end has been counted (agent/call-metrics.ts counts it as
 * the call's `done` resolves, before `call` can return), whether it returns or throws.
 */
export async function withJobMetricsPushed<T>(call: () => Promise<T>): Promise<T> {
  const push = startJobMetricsPush();
  try {
    return await call();
  } finally {
    await push?.finish();
  }
}

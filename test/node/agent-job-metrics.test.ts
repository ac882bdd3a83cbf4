import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobMetrics } from "../../agent/job-metrics.ts";
import { JOB_METRICS_ENV, startJobMetricsReceiver } from "../../agent/job-metrics-push.ts";
import { startMetricsServer } from "../../agent/metrics.ts";
import type { JobProcExecutor } from "../../node_modules/@livekit/agents/dist/ipc/job_proc_executor.js";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { launchJob, nodeOptionsLoadingTypeScript } from "../agent/job-process.ts";

/**
 * On the LiveKit path each call runs in a job process: its call metrics are pushed to the worker's process and summed
 * into the worker's `/metrics`. Real job processes, forked by the framework's executor, without a LiveKit server (the
 * job's entry counts a call as a call does, with no room). Nothing here ran against LiveKit.
 */

const PUSH_MS = 200;
const SILENT_MS = 1_500;
let jobs: JobMetrics;
let receiver: Awaited<ReturnType<typeof startJobMetricsReceiver>>;
let metrics: Awaited<ReturnType<typeof startMetricsServer>>;
const savedEnv = { nodeOptions: process.env.NODE_OPTIONS, push: process.env[JOB_METRICS_ENV] };
const executors: JobProcExecutor[] = [];

beforeAll(async () => {
  initLogger();
  jobs = new JobMetrics(SILENT_MS);
  receiver = await startJobMetricsReceiver(jobs, PUSH_MS);
  // What agent/main.ts does before the framework forks: the job processes inherit it.
  process.env[JOB_METRICS_ENV] = receiver.env;
  // Our agent module is TypeScript: the forked processes load it through tsx, as `npm run agent` does.
  process.env.NODE_OPTIONS = nodeOptionsLoadingTypeScript(savedEnv.nodeOptions);
  metrics = await startMetricsServer(0, "127.0.0.1", jobs);
});

afterAll(async () => {
  for (const executor of executors) executor.proc?.kill("SIGKILL");
  await metrics?.close();
  await receiver?.close();
  process.env.NODE_OPTIONS = savedEnv.nodeOptions;
  if (savedEnv.nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  if (savedEnv.push === undefined) delete process.env[JOB_METRICS_ENV];
  else process.env[JOB_METRICS_ENV] = savedEnv.push;
});

const scrape = async () => await (await fetch(metrics.url)).text();
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"+]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
const ACTIVE = "phonemybot_agent_active_calls";
const ENDED = `phonemybot_agent_calls_total{reason="caller_hangup"}`;
const TURNS = "phonemybot_agent_turns_total";
const GAPS = `phonemybot_agent_turn_span_seconds_count{span="gap"}`;
const GAP_SUM = `phonemybot_agent_turn_span_seconds_sum{span="gap"}`;

async function scrapeUntil(ok: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await scrape();
    if (ok(text)) return text;
    if (Date.now() > deadline) {
      const calls = text.split("\n").filter((l) => /^phonemybot_agent_(active|calls|turns)/.test(l));
      throw new Error(`timed out waiting for ${what}:\n${calls.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function launch(id: string, call: { callMs: number; gapMs: number }): Promise<JobProcExecutor> {
  const executor = await launchJob(join(import.meta.dirname, "../agent/metrics-job.ts"), id, JSON.stringify(call));
  executors.push(executor);
  return executor;
}

describe("call metrics of the framework's job processes", () => {
  it("reach the worker's /metrics: calls under way while they last, counts kept after the job ends or dies", async () => {
    const before = await scrape();
    const [ends, alsoEnds, dies] = await Promise.all([
      launch("A", { callMs: 8_000, gapMs: 900 }),
      launch("B", { callMs: 8_000, gapMs: 1_100 }),
      launch("C", { callMs: 120_000, gapMs: 700 }),
    ]);
    // Three calls under way, one in each job process; the worker's own process carries none.
    const during = await scrapeUntil((t) => value(t, ACTIVE) === 3, "three calls under way");
    expect(value(during, TURNS) - value(before, TURNS)).toBe(3);
    expect(value(during, GAPS) - value(before, GAPS)).toBe(3);
    expect(value(during, GAP_SUM) - value(before, GAP_SUM)).toBeCloseTo(2.7, 6);
    // Summed, not listed per process: one series each, and the worker's process metrics once.
    expect(during.match(/^# TYPE phonemybot_agent_active_calls gauge$/gm)).toHaveLength(1);
    expect(during.match(/^phonemybot_agent_process_cpu_user_seconds_total /gm)).toHaveLength(1);

    // A job process killed mid-call pushes nothing more: once silent too long, its call is no longer under way, and
    // what it counted stays counted.
    dies.proc!.kill("SIGKILL");
    const afterDeath = await scrapeUntil((t) => value(t, ACTIVE) === 2, "the dead job's call no longer under way", 6_000);
    expect(value(afterDeath, TURNS) - value(before, TURNS)).toBe(3);

    // The two other calls end; their jobs push a final time as they shut down, and their processes exit.
    const after = await scrapeUntil((t) => value(t, ACTIVE) === 0 && value(t, ENDED) - value(before, ENDED) === 2, "both calls over");
    expect(value(after, TURNS) - value(before, TURNS)).toBe(3);
    expect(value(after, GAPS) - value(before, GAPS)).toBe(3);
    expect(value(after, GAP_SUM) - value(before, GAP_SUM)).toBeCloseTo(2.7, 6);
    await waitFor(() => [ends, alsoEnds].every((e) => e.proc!.exitCode !== null), 20_000, "the ended jobs' processes to exit");
    expect(jobs.liveJobs).toBe(0);
    // Later scrapes keep them (counters never go down).
    expect(value(await scrape(), ENDED) - value(before, ENDED)).toBe(2);
  }, 120_000);

  it("takes pushes only with the worker's token, and names what is wrong in a bad one", async () => {
    const { url, token } = JSON.parse(receiver.env) as { url: string; token: string };
    const post = (body: unknown, authorization = `Bearer ${token}`) =>
      fetch(url, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ job: "x", final: false, metrics: [] }, "Bearer wrong")).status).toBe(401);
    const bad = await post({ job: "x", final: "yes", metrics: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid push", field: "final" });
    expect((await post({ job: "x", final: true, metrics: [] })).status).toBe(204);
  });
});

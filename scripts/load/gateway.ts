import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LoadGateway {
  url: string;
  /** The process group of the server this script started (for its CPU time); undefined with BENCH_URL. */
  processGroup?: number;
  stop: () => Promise<void>;
}

/**
 * `npm start`'s server for a load script: BENCH_URL if given, otherwise scripts/start.mjs on a free port with fresh
 * storage, without the local voice agent (no load script uses it). Throws, with the end of the server's output,
 * when it does not start.
 */
export async function gatewayForLoad(): Promise<LoadGateway> {
  if (process.env.BENCH_URL) return { url: process.env.BENCH_URL, stop: async () => {} };
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const persist = await mkdtemp(join(tmpdir(), "pmb-load-"));
  const child: ChildProcess = spawn("node", ["scripts/start.mjs"], {
    env: { ...process.env, PORT: String(port), PERSIST_TO: persist, LOCAL_AGENT: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const stop = async () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // The whole group has exited already.
    }
    await new Promise((r) => setTimeout(r, 500));
    await rm(persist, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : i > 900 ? "did not answer in 90 s" : undefined;
      if (why) {
        await stop();
        throw new Error(`the gateway ${why}; its output ended with:\n${output}`);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Past start-up its output is not needed; keep draining it so the server never blocks on a full pipe.
  child.stdout!.off("data", keep).resume();
  child.stderr!.off("data", keep).resume();
  return { url, processGroup: child.pid!, stop };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;

/** At most `limit` calls of `task` in flight; the rest wait their turn in order. */
function limiter(limit: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/** What a request got: its status (0 when no answer came), its JSON body, when it left, and what went wrong if anything did. */
export interface Answer {
  status: number;
  body: any;
  sentAt: number;
  /** Set when there was no usable answer: a network error, or an answer that is not JSON (e.g. a proxy's error page). */
  error?: string;
}

export type GatewayClient = ReturnType<typeof gatewayClient>;

/**
 * A JSON client for the gateway's APIs. Like a real client fleet behind a few load balancers, it keeps at most
 * `connections` requests in flight at once (wrangler dev's local proxy drops connections beyond a few hundred).
 * It never throws: a failed request is an Answer with `error` set.
 */
export function gatewayClient(base: string, connections = Number(process.env.LOAD_CONNECTIONS ?? 16)) {
  const slot = limiter(connections);
  const request = (path: string, method: string, body?: unknown, headers: Record<string, string> = {}) =>
    slot(async (): Promise<Answer> => {
      const sentAt = performance.now();
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!text) return { status: res.status, body: undefined, sentAt };
        if (!res.headers.get("content-type")?.includes("json")) return { status: res.status, body: undefined, sentAt, error: `HTTP ${res.status}, not JSON` };
        return { status: res.status, body: JSON.parse(text), sentAt };
      } catch (error) {
        return { status: 0, body: undefined, sentAt, error: `network error (${networkErrorCode(error)})` };
      }
    });
  return {
    request,
    /** An account and a service wired to `botUrl`; returns the API key header and the service token header. Throws if it cannot. */
    async serviceWithBot(botUrl: string, name = "load") {
      const account = await request("/api/v1/accounts", "POST", { email: `${name}-${crypto.randomUUID()}@example.com`, password: "load test password" });
      const auth = { authorization: `Bearer ${account.body?.apiKey}` };
      const service = await request("/api/v1/services", "POST", { name, language: "en-US" }, auth);
      const configured = await request(`/api/v1/services/${service.body?.id}`, "PATCH", { botUrl, botToken: "load" }, auth);
      if (configured.status !== 200) {
        throw new Error(`set-up: sign-up ${describe(account)}, service ${describe(service)}, configuration ${describe(configured)}`);
      }
      return { serviceId: service.body.id as string, auth, botAuth: { authorization: `Basic ${configured.body.token}` } };
    },
  };
}

const describe = (answer: Answer) => answer.error ?? `HTTP ${answer.status} ${JSON.stringify(answer.body)}`;

function networkErrorCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

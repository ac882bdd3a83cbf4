import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `npm start`'s server for a load script: BENCH_URL if given, otherwise scripts/start.mjs on a free port with fresh storage. */
export async function gatewayForLoad(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_URL) return { url: process.env.BENCH_URL, stop: async () => {} };
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const persist = await mkdtemp(join(tmpdir(), "pmb-load-"));
  const child: ChildProcess = spawn("node", ["scripts/start.mjs"], {
    env: { ...process.env, PORT: String(port), PERSIST_TO: persist },
    stdio: "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (i > 900) throw new Error("the gateway did not start in 90 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      process.kill(-child.pid!, "SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      await rm(persist, { recursive: true, force: true });
    },
  };
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

/**
 * A JSON client for the gateway's APIs. Like a real client fleet behind a few load balancers, it keeps at most
 * `connections` requests in flight at once (wrangler dev's local proxy drops connections beyond a few hundred).
 */
export function gatewayClient(base: string, connections = Number(process.env.LOAD_CONNECTIONS ?? 16)) {
  const slot = limiter(connections);
  const request = (path: string, method: string, body?: unknown, headers: Record<string, string> = {}) =>
    slot(async () => {
      const sentAt = performance.now();
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (text && !res.headers.get("content-type")?.includes("json")) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined, sentAt };
    });
  return {
    request,
    /** An account and a service wired to `botUrl`; returns the API key header and the service token header. */
    async serviceWithBot(botUrl: string, name = "load") {
      const account = await request("/api/v1/accounts", "POST", { email: `${name}-${crypto.randomUUID()}@example.com`, password: "load test password" });
      const auth = { authorization: `Bearer ${account.body.apiKey}` };
      const service = await request("/api/v1/services", "POST", { name, language: "en-US" }, auth);
      const configured = await request(`/api/v1/services/${service.body.id}`, "PATCH", { botUrl, botToken: "load" }, auth);
      if (configured.status !== 200) throw new Error(`configure: ${configured.status} ${JSON.stringify(configured.body)}`);
      return { serviceId: service.body.id as string, auth, botAuth: { authorization: `Basic ${configured.body.token}` } };
    },
  };
}

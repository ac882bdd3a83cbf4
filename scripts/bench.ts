/**
 * `npm run bench`: 1,000 simulated conversations against `npm start`'s server, with a bot on loopback.
 * Measures (p50/p99):
 *   - caller → bot: from the caller's utterance request leaving to the bot receiving the text;
 *   - bot → call: the send API round trip (its answer comes once the message is recorded on the call);
 * and messages per second; then the same number of requests, at the same concurrency, on a bare Worker route
 * (`/healthz`) for a baseline, so the figures come with a ratio. BENCH_URL points it at a running server;
 * otherwise it starts one (`node scripts/start.mjs`) on a free port with fresh storage.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

type Waiter = (at: number) => void;

/** A bot that notes when each message arrives; the bench awaits arrivals by conversation and body. */
async function startBenchBot() {
  const waiters = new Map<string, Waiter>();
  const early = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const message = JSON.parse(Buffer.concat(chunks).toString()) as { conversation: string; body: string; new: string };
      const key = `${message.conversation}\n${message.new === "true" ? "<new>" : message.body}`;
      const waiter = waiters.get(key);
      if (waiter) {
        waiters.delete(key);
        waiter(at);
      } else early.set(key, at);
      res.writeHead(200, { "content-type": "application/json" }).end('{"success":true,"reason":"delivered"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const arrival = (conversation: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const key = `${conversation}\n${body}`;
      const at = early.get(key);
      if (at !== undefined) {
        early.delete(key);
        return resolve(at);
      }
      const timer = setTimeout(() => reject(new Error(`no delivery of ${JSON.stringify(body)} in 30 s`)), 30_000);
      waiters.set(key, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrival, close: () => server.close() };
}

async function startGateway(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_URL) return { url: process.env.BENCH_URL, stop: async () => {} };
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const persist = await mkdtemp(join(tmpdir(), "pmb-bench-"));
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
      if (i > 600) throw new Error("the gateway did not start");
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

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function main() {
  const gateway = await startGateway();
  const bot = await startBenchBot();
  const json = (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  try {
    const account = (await (await json("/api/v1/accounts", "POST", { email: `bench-${Date.now()}@example.com`, password: "benchmark password" })).json()) as { apiKey: string };
    const auth = { authorization: `Bearer ${account.apiKey}` };
    const service = (await (await json("/api/v1/services", "POST", { name: "bench", language: "en-US" }, auth)).json()) as { id: string };
    const configured = (await (await json(`/api/v1/services/${service.id}`, "PATCH", { botUrl: `${bot.url}/bot/{conversation}`, botToken: "bench" }, auth)).json()) as { token: string };
    const botAuth = { authorization: `Basic ${configured.token}` };

    const callerToBot: number[] = [];
    const botToCall: number[] = [];
    let messages = 0;
    const started = performance.now();
    await runPool(CONVERSATIONS, CONCURRENCY, async (i) => {
      const created = (await (await json(`/api/v1/services/${service.id}/calls`, "POST", { from: `+1415555${String(i % 10000).padStart(4, "0")}` }, auth)).json()) as { conversation: string };
      const conversation = created.conversation;
      await bot.arrival(conversation, "<new>");
      messages++;
      for (let turn = 0; turn < EXCHANGES; turn++) {
        const text = `caller turn ${turn}`;
        const sent = performance.now();
        const answered = await json(`/api/v1/calls/${conversation}/utterances`, "POST", { text }, auth);
        if (answered.status !== 202) throw new Error(`utterance: ${answered.status}`);
        callerToBot.push((await bot.arrival(conversation, text)) - sent);
        const t0 = performance.now();
        const reply = await json(`/cloudengine/rest/voicebot/send/${conversation}`, "POST", { conversation, body: `bot turn ${turn}`, opaque: `${turn}` }, botAuth);
        if (!reply.ok) throw new Error(`send: ${reply.status} ${await reply.text()}`);
        await reply.arrayBuffer();
        botToCall.push(performance.now() - t0);
        messages += 2;
      }
      const hangup = await json(`/api/v1/calls/${conversation}`, "DELETE", undefined, auth);
      if (hangup.status !== 204) throw new Error(`hang up: ${hangup.status}`);
      await bot.arrival(conversation, "");
      messages++;
    });
    const seconds = (performance.now() - started) / 1000;

    const baseline: number[] = [];
    const requests = callerToBot.length + botToCall.length;
    const baseStarted = performance.now();
    await runPool(requests, CONCURRENCY, async () => {
      const t0 = performance.now();
      const res = await fetch(`${gateway.url}/healthz`);
      await res.arrayBuffer();
      baseline.push(performance.now() - t0);
    });
    const baseSeconds = (performance.now() - baseStarted) / 1000;

    const rows = [
      ["caller → bot (utterance to bot receipt)", callerToBot],
      ["bot → call (send API, recorded)", botToCall],
      ["baseline: bare route /healthz", baseline],
    ] as const;
    console.log(`PhoneMyBot bench: ${CONVERSATIONS} conversations × ${EXCHANGES} exchanges, ${CONCURRENCY} at a time, ${gateway.url}`);
    for (const [name, values] of rows) console.log(`  ${name.padEnd(42)} p50 ${ms(percentile(values, 50)).padStart(9)}  p99 ${ms(percentile(values, 99)).padStart(9)}  (n=${values.length})`);
    console.log(`  messages through conversations: ${messages} in ${seconds.toFixed(1)} s = ${(messages / seconds).toFixed(0)} msg/s`);
    console.log(`  baseline requests: ${requests} in ${baseSeconds.toFixed(1)} s = ${(requests / baseSeconds).toFixed(0)} req/s`);
    console.log(
      `  ratio to baseline p50: caller → bot ×${(percentile(callerToBot, 50) / percentile(baseline, 50)).toFixed(1)}, bot → call ×${(percentile(botToCall, 50) / percentile(baseline, 50)).toFixed(1)}`,
    );
  } finally {
    bot.close();
    await gateway.stop();
  }
}

await main();

/**
 * `npm run bench`: 1,000 simulated conversations against `npm start`'s server, with a bot on loopback.
 * Measures (p50/p99):
 *   - caller → bot: from the caller's utterance request leaving to the bot receiving the text;
 *   - bot → call: the send API round trip (its answer comes once the message is recorded on the call);
 * and messages per second; then the send API alone (as many messages as the conversations' replies, on 50 live
 * calls of 10 services, so that no token reaches its rate limit), and the same number of requests as the conversations made, at the same concurrency, on a bare Worker route
 * (`/healthz`) for a baseline, so the figures come with ratios. With a server it started, it also reports the CPU
 * time the server used per message and per baseline request. BENCH_URL points it at a running server; otherwise it
 * starts one (`node scripts/start.mjs`) on a free port with fresh storage.
 *
 * A request that fails is tried again, and every failure is counted by kind and reported; the exit code is 1 only
 * when a message the gateway accepted was lost (never reached the bot, or is missing from the call's transcript) or
 * the run could not start.
 */
import { startLoadBot } from "./load/bot.ts";
import { checkArrivals, runConversations, runSendsAlone } from "./load/conversations.ts";
import { cpuMeter } from "./load/cpu.ts";
import { gatewayClient, gatewayForLoad, ms, percentile, runPool } from "./load/gateway.ts";
import { ErrorTally } from "./load/tally.ts";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
/** How long a message may take to reach the bot before it is counted late, and, after the run, lost. */
const ARRIVAL_TIMEOUT_MS = Number(process.env.BENCH_ARRIVAL_TIMEOUT_MS ?? 60_000);

const gateway = await gatewayForLoad();
const bot = await startLoadBot();
let exitCode = 1;
try {
  const client = gatewayClient(gateway.url);
  const service = await client.serviceWithBot(`${bot.url}/bot/{conversation}`, "bench");
  const errors = new ErrorTally();
  const cpu = cpuMeter(gateway.processGroup);

  const run = await runConversations({ client, bot, service, errors }, {
    count: CONVERSATIONS,
    exchanges: EXCHANGES,
    concurrency: CONCURRENCY,
    arrivalTimeoutMs: ARRIVAL_TIMEOUT_MS,
  });
  const runCpu = cpu.lap();
  const requests = run.callerToBot.length + run.botToCall.length;

  const aloneServices = await runPool(10, 10, (i) => client.serviceWithBot(`${bot.url}/bot/{conversation}`, `bench-alone-${i}`));
  cpu.lap();
  const alone = await runSendsAlone(
    { client, services: aloneServices, errors },
    { count: run.botToCall.length, callsPerService: 5, concurrency: CONCURRENCY },
  );
  const aloneCpu = cpu.lap();

  const baseline: number[] = [];
  const baseStarted = performance.now();
  await runPool(requests, CONCURRENCY, async () => {
    // Through the same client (same connection limit) as the conversations, so the figures compare.
    const res = await client.request("/healthz", "GET");
    if (res.status === 200) baseline.push(performance.now() - res.sentAt);
    else errors.add(`baseline: ${res.error ?? `HTTP ${res.status}`}`);
  });
  const baseSeconds = (performance.now() - baseStarted) / 1000;
  const baseCpu = cpu.lap();

  const check = await checkArrivals({ client, bot, errors }, [...run.accepted, ...alone.accepted], ARRIVAL_TIMEOUT_MS);

  const rows = [
    ["caller → bot (utterance to bot receipt)", run.callerToBot],
    ["bot → call (send API, recorded)", run.botToCall],
    ["bot → call, the send API alone", alone.latencies],
    ["baseline: bare route /healthz", baseline],
  ] as const;
  console.log(`PhoneMyBot bench: ${CONVERSATIONS} conversations × ${EXCHANGES} exchanges, ${CONCURRENCY} at a time, ${gateway.url}`);
  for (const [name, values] of rows) {
    console.log(`  ${name.padEnd(42)} p50 ${ms(percentile([...values], 50)).padStart(9)}  p99 ${ms(percentile([...values], 99)).padStart(9)}  (n=${values.length})`);
  }
  const rate = (n: number, seconds: number) => `${n} in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(0)}`;
  console.log(`  messages through conversations: ${rate(run.messages, run.seconds)} msg/s`);
  console.log(`  send API alone: ${rate(alone.latencies.length, alone.seconds)} msg/s`);
  console.log(`  baseline requests: ${rate(baseline.length, baseSeconds)} req/s`);
  const ratio = (values: readonly number[]) => (percentile([...values], 50) / percentile(baseline, 50)).toFixed(1);
  const throughput = (n: number, seconds: number) => (n / seconds / (baseline.length / baseSeconds)).toFixed(2);
  console.log(
    `  ratio to baseline p50: caller → bot ×${ratio(run.callerToBot)}, bot → call ×${ratio(run.botToCall)}, send API alone ×${ratio(alone.latencies)}`,
  );
  console.log(
    `  throughput over the baseline's: conversations ${throughput(run.messages, run.seconds)}, send API alone ${throughput(alone.latencies.length, alone.seconds)}`,
  );
  const per = (total: number, n: number) => `${(total / n).toFixed(1)} ms`;
  if (runCpu.gatewayMs !== undefined && aloneCpu.gatewayMs !== undefined && baseCpu.gatewayMs !== undefined) {
    console.log(
      `  gateway CPU (workerd and wrangler's proxy): ${per(runCpu.gatewayMs, run.messages)} per conversation message, ` +
        `${per(aloneCpu.gatewayMs, alone.latencies.length)} per send alone, ${per(baseCpu.gatewayMs, baseline.length)} per baseline request`,
    );
  }
  console.log(
    `  this process's CPU (client and bot): ${per(runCpu.selfMs, run.messages)} per conversation message, ` +
      `${per(aloneCpu.selfMs, alone.latencies.length)} per send alone, ${per(baseCpu.selfMs, baseline.length)} per baseline request`,
  );
  console.log(`  errors (${errors.total}, each tried again): ${errors}`);
  console.log(
    `  abandoned conversations ${run.abandoned}; lost ${check.lost}, duplicated ${check.duplicated}, out of order ${check.outOfOrder}` +
      (check.unchecked > 0 ? `, unchecked ${check.unchecked} (transcript not readable)` : ""),
  );
  exitCode = check.lost > 0 ? 1 : 0;
} finally {
  await bot.close();
  await gateway.stop();
}
process.exit(exitCode);

/**
 * `npm run bench`: 1,000 simulated conversations against `npm start`'s server, with a bot on loopback.
 * Measures (p50/p99):
 *   - caller → bot: from the caller's utterance request leaving to the bot receiving the text;
 *   - bot → call: the send API round trip (its answer comes once the message is recorded on the call);
 * and messages per second; then the same number of requests, at the same concurrency, on a bare Worker route
 * (`/healthz`) for a baseline, so the figures come with a ratio. BENCH_URL points it at a running server;
 * otherwise it starts one (`node scripts/start.mjs`) on a free port with fresh storage.
 */
import { startLoadBot } from "./load/bot.ts";
import { gatewayClient, gatewayForLoad, ms, percentile, runPool } from "./load/gateway.ts";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const gateway = await gatewayForLoad();
const bot = await startLoadBot();
try {
  const client = gatewayClient(gateway.url);
  const { serviceId, auth, botAuth } = await client.serviceWithBot(`${bot.url}/bot/{conversation}`, "bench");

  const callerToBot: number[] = [];
  const botToCall: number[] = [];
  let messages = 0;
  const started = performance.now();
  await runPool(CONVERSATIONS, CONCURRENCY, async (i) => {
    const created = await client.request(`/api/v1/services/${serviceId}/calls`, "POST", { from: `+1415555${String(i % 10000).padStart(4, "0")}` }, auth);
    const conversation = created.body.conversation as string;
    await bot.arrival(conversation, "<new>");
    messages++;
    for (let turn = 0; turn < EXCHANGES; turn++) {
      const text = `caller turn ${turn}`;
      const said = await client.request(`/api/v1/calls/${conversation}/utterances`, "POST", { text }, auth);
      if (said.status !== 202) throw new Error(`utterance: ${said.status}`);
      callerToBot.push((await bot.arrival(conversation, text)) - said.sentAt);
      const reply = await client.request(`/cloudengine/rest/voicebot/send/${conversation}`, "POST", { conversation, body: `bot turn ${turn}`, opaque: `${turn}` }, botAuth);
      if (reply.status !== 200) throw new Error(`send: ${reply.status} ${JSON.stringify(reply.body)}`);
      botToCall.push(performance.now() - reply.sentAt);
      messages += 2;
    }
    const hangup = await client.request(`/api/v1/calls/${conversation}`, "DELETE", undefined, auth);
    if (hangup.status !== 204) throw new Error(`hang up: ${hangup.status}`);
    await bot.arrival(conversation, "<last>");
    messages++;
  });
  const seconds = (performance.now() - started) / 1000;

  const baseline: number[] = [];
  const requests = callerToBot.length + botToCall.length;
  const baseStarted = performance.now();
  await runPool(requests, CONCURRENCY, async () => {
    // Through the same client (same connection limit) as the conversations, so the two figures compare.
    const res = await client.request("/healthz", "GET");
    baseline.push(performance.now() - res.sentAt);
  });
  const baseSeconds = (performance.now() - baseStarted) / 1000;

  const rows = [
    ["caller → bot (utterance to bot receipt)", callerToBot],
    ["bot → call (send API, recorded)", botToCall],
    ["baseline: bare route /healthz", baseline],
  ] as const;
  console.log(`PhoneMyBot bench: ${CONVERSATIONS} conversations × ${EXCHANGES} exchanges, ${CONCURRENCY} at a time, ${gateway.url}`);
  for (const [name, values] of rows) {
    console.log(`  ${name.padEnd(42)} p50 ${ms(percentile(values, 50)).padStart(9)}  p99 ${ms(percentile(values, 99)).padStart(9)}  (n=${values.length})`);
  }
  console.log(`  messages through conversations: ${messages} in ${seconds.toFixed(1)} s = ${(messages / seconds).toFixed(0)} msg/s`);
  console.log(`  baseline requests: ${requests} in ${baseSeconds.toFixed(1)} s = ${(requests / baseSeconds).toFixed(0)} req/s`);
  const ratio = (values: readonly number[]) => (percentile([...values], 50) / percentile(baseline, 50)).toFixed(1);
  console.log(`  ratio to baseline p50: caller → bot ×${ratio(callerToBot)}, bot → call ×${ratio(botToCall)}`);
} finally {
  await bot.close();
  await gateway.stop();
}

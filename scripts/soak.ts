/**
 * `npm run soak`: 1,000 concurrent simulated calls (spread over 10 services), 10 exchanges each in both directions,
 * against `npm start`'s server. Each caller sends its 10 utterances and each bot its 10 replies without waiting for
 * delivery; then every call is checked: the bot must have received new, the 10 utterances and last, in order, once
 * each, and the call's transcript must hold the 10 replies in order, once each. Prints messages per second, p50/p99
 * delivery latency, and the counts of lost, duplicated and out-of-order messages (all must be 0: exit code 1 if not).
 */
import { startLoadBot } from "./load/bot.ts";
import { gatewayClient, gatewayForLoad, ms, percentile, runPool } from "./load/gateway.ts";
import { ledger } from "./load/tally.ts";

const CALLS = Number(process.env.SOAK_CALLS ?? 1000);
const EXCHANGES = Number(process.env.SOAK_EXCHANGES ?? 10);
const SERVICES = Number(process.env.SOAK_SERVICES ?? 10);

const gateway = await gatewayForLoad();
const bot = await startLoadBot();
let failed = false;
try {
  const client = gatewayClient(gateway.url);
  const services = await runPool(SERVICES, SERVICES, (i) => client.serviceWithBot(`${bot.url}/bot/{conversation}`, `soak${i}`));
  const latencies: number[] = [];
  const arrivals: Promise<unknown>[] = [];
  let messages = 0;
  const started = performance.now();

  const calls = await runPool(CALLS, CALLS, async (i) => {
    const { serviceId, auth, botAuth } = services[i % SERVICES]!;
    const created = await client.request(`/api/v1/services/${serviceId}/calls`, "POST", { from: `+1415555${String(i).padStart(4, "0")}` }, auth);
    if (created.status !== 201) throw new Error(`start: ${created.status} ${JSON.stringify(created.body)}`);
    const conversation = created.body.conversation as string;
    await bot.arrival(conversation, "<new>");
    const utterances = Array.from({ length: EXCHANGES }, (_, k) => `call ${i} utterance ${k}`);
    const replies = Array.from({ length: EXCHANGES }, (_, k) => `call ${i} reply ${k}`);
    const caller = (async () => {
      for (const text of utterances) {
        const res = await client.request(`/api/v1/calls/${conversation}/utterances`, "POST", { text }, auth);
        if (res.status !== 202) throw new Error(`utterance: ${res.status}`);
        arrivals.push(bot.arrival(conversation, text, 120_000).then((at) => latencies.push(at - res.sentAt)));
      }
    })();
    const botSide = (async () => {
      for (const [k, body] of replies.entries()) {
        const res = await client.request(`/cloudengine/rest/voicebot/send/${conversation}`, "POST", { conversation, body, opaque: `${k}` }, botAuth);
        if (res.status !== 200) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
      }
    })();
    await Promise.all([caller, botSide]);
    await bot.arrival(conversation, utterances.at(-1)!, 120_000).catch(() => undefined);
    const hangup = await client.request(`/api/v1/calls/${conversation}`, "DELETE", undefined, auth);
    if (hangup.status !== 204) throw new Error(`hang up: ${hangup.status}`);
    await bot.arrival(conversation, "<last>", 120_000).catch(() => undefined);
    const transcript = await client.request(`/api/v1/calls/${conversation}`, "GET", undefined, auth);
    return { conversation, utterances, replies, transcript: transcript.body as { messages: { direction: string; body: string }[] } };
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.allSettled(arrivals);

  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  const count = (expected: string[], actual: string[]) => {
    const counts = ledger(expected, actual);
    lost += counts.lost;
    duplicated += counts.duplicated;
    outOfOrder += counts.outOfOrder;
  };
  for (const call of calls) {
    const toBot = bot.received(call.conversation).map(({ message }) => (message.new === "true" ? "<new>" : message.last === "true" ? "<last>" : message.body));
    count(["<new>", ...call.utterances, "<last>"], toBot);
    count(call.replies, call.transcript.messages.filter((m) => m.direction === "from_bot").map((m) => m.body));
    messages += toBot.length + call.replies.length;
  }
  failed = lost + duplicated + outOfOrder > 0;
  console.log(`PhoneMyBot soak: ${CALLS} concurrent calls over ${SERVICES} services, ${EXCHANGES} exchanges each way, ${gateway.url}`);
  console.log(`  messages: ${messages} in ${seconds.toFixed(1)} s = ${(messages / seconds).toFixed(0)} msg/s`);
  console.log(`  caller → bot delivery latency: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))} (n=${latencies.length})`);
  console.log(`  lost ${lost}, duplicated ${duplicated}, out of order ${outOfOrder}`);
} finally {
  await bot.close();
  await gateway.stop();
}
process.exit(failed ? 1 : 0);

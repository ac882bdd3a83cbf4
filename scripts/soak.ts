/**
 * `npm run soak`: 1,000 concurrent simulated calls (spread over 10 services), 10 exchanges each in both directions,
 * against `npm start`'s server. Each caller sends its 10 utterances and each bot its 10 replies without waiting for
 * delivery; then every call is checked: the bot must have received new, the utterances and last, in order, once
 * each, and the call's transcript must hold the replies in order, once each. Prints messages per second, p50/p99
 * delivery latency, the requests that failed (counted by kind), and the counts of lost, duplicated and out-of-order
 * messages (all must be 0: exit code 1 if not). A request that fails is not tried again, so that a copy the gateway
 * made is never one the soak made; what it carried is then not expected.
 */
import { startLoadBot } from "./load/bot.ts";
import { type Accepted, checkArrivals } from "./load/conversations.ts";
import { type Answer, gatewayClient, gatewayForLoad, ms, percentile, runPool } from "./load/gateway.ts";
import { ErrorTally, insist } from "./load/tally.ts";

const CALLS = Number(process.env.SOAK_CALLS ?? 1000);
const EXCHANGES = Number(process.env.SOAK_EXCHANGES ?? 10);
const SERVICES = Number(process.env.SOAK_SERVICES ?? 10);
/** How long a message may take to reach the bot before it is counted lost. */
const ARRIVAL_TIMEOUT_MS = Number(process.env.SOAK_ARRIVAL_TIMEOUT_MS ?? 120_000);

const gateway = await gatewayForLoad();
const bot = await startLoadBot();
let failed = true;
try {
  const client = gatewayClient(gateway.url);
  const services = await runPool(SERVICES, SERVICES, (i) => client.serviceWithBot(`${bot.url}/bot/{conversation}`, `soak${i}`));
  const errors = new ErrorTally();
  const once = (send: () => Promise<Answer>, expected: number, what: string) => insist(send, expected, what, errors, { tries: 1 });
  const latencies: number[] = [];
  const arrivals: Promise<unknown>[] = [];
  const started = performance.now();

  const calls = await runPool(CALLS, CALLS, async (i): Promise<Accepted | undefined> => {
    const { serviceId, auth, botAuth } = services[i % SERVICES]!;
    const from = `+1415555${String(i).padStart(4, "0")}`;
    const created = await once(() => client.request(`/api/v1/services/${serviceId}/calls`, "POST", { from }, auth), 201, "start call");
    if (!created) return undefined;
    const conversation = created.answer.body.conversation as string;
    const call: Accepted = { conversation, auth, toBot: ["<new>"], toCall: [], ordered: true };
    await bot.arrival(conversation, "<new>", ARRIVAL_TIMEOUT_MS).catch(() => undefined);
    const caller = (async () => {
      for (let k = 0; k < EXCHANGES; k++) {
        const text = `call ${i} utterance ${k}`;
        const said = await once(() => client.request(`/api/v1/calls/${conversation}/utterances`, "POST", { text }, auth), 202, "utterance");
        if (!said) continue;
        call.toBot.push(text);
        const sentAt = said.tries === 1 ? said.answer.sentAt : undefined;
        arrivals.push(bot.arrival(conversation, text, ARRIVAL_TIMEOUT_MS).then((at) => sentAt !== undefined && latencies.push(at - sentAt), () => undefined));
      }
    })();
    const botSide = (async () => {
      for (let k = 0; k < EXCHANGES; k++) {
        const body = `call ${i} reply ${k}`;
        const send = () => client.request(`/cloudengine/rest/voicebot/send/${conversation}`, "POST", { conversation, body, opaque: `${k}` }, botAuth);
        if (await once(send, 200, "send")) call.toCall.push(body);
      }
    })();
    await Promise.all([caller, botSide]);
    await bot.arrival(conversation, call.toBot.at(-1)!, ARRIVAL_TIMEOUT_MS).catch(() => undefined);
    if (await once(() => client.request(`/api/v1/calls/${conversation}`, "DELETE", undefined, auth), 204, "hang up")) call.toBot.push("<last>");
    return call;
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.allSettled(arrivals);

  const accepted = calls.filter((call): call is Accepted => call !== undefined);
  const check = await checkArrivals({ client, bot, errors }, accepted, ARRIVAL_TIMEOUT_MS);
  const messages = accepted.reduce((n, call) => n + bot.received(call.conversation).length + call.toCall.length, 0);
  failed = check.lost + check.duplicated + check.outOfOrder > 0;
  console.log(`PhoneMyBot soak: ${CALLS} concurrent calls over ${SERVICES} services, ${EXCHANGES} exchanges each way, ${gateway.url}`);
  console.log(`  messages: ${messages} in ${seconds.toFixed(1)} s = ${(messages / seconds).toFixed(0)} msg/s`);
  console.log(`  caller → bot delivery latency: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))} (n=${latencies.length})`);
  console.log(`  failed requests (${errors.total}): ${errors}; calls not started ${CALLS - accepted.length}`);
  console.log(
    `  lost ${check.lost}, duplicated ${check.duplicated}, out of order ${check.outOfOrder}` +
      (check.unchecked > 0 ? `, unchecked ${check.unchecked} (transcript not readable)` : ""),
  );
} finally {
  await bot.close();
  await gateway.stop();
}
process.exit(failed ? 1 : 0);

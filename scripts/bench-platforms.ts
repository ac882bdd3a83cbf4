/**
 * `npm run bench:platforms`: how long the gateway takes to get a bot platform's answer onto a call, against the real
 * gateway (`wrangler dev`) and the loopback fakes of each platform (test/support/platforms/), which answer at once
 * except Direct Line's and Botpress's bots, which reply 100 ms after a message (read by polling every
 * PLATFORM_POLL_INTERVAL_MS, 250 ms by default). For each platform, BENCH_TURNS (40) turns, one at a time, on one
 * simulated call: the caller's words (POST utterances) → the bot's reply recorded on the call (GET the call, polled
 * every 5 ms). Printed as a table. Not a test.
 */
import { startFakeBotpress } from "../test/support/platforms/fake-botpress.ts";
import { startFakeDialogflow } from "../test/support/platforms/fake-dialogflow.ts";
import { DIRECT_LINE_SECRET, startFakeDirectLine } from "../test/support/platforms/fake-directline.ts";
import { startFakeRasa } from "../test/support/platforms/fake-rasa.ts";
import { callGateway, startGateway } from "../test/e2e/server.ts";

const TURNS = Number(process.env.BENCH_TURNS ?? 40);

const [gateway, rasa, directLine, dialogflow, botpress] = await Promise.all([
  startGateway({}, { agent: false }),
  startFakeRasa(),
  startFakeDirectLine(),
  startFakeDialogflow(),
  startFakeBotpress(),
]);
const request = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway.url, path, init);

const platforms: [string, Record<string, unknown>][] = [
  ["rasa", { botType: "rasa", botUrl: `${rasa.url}/_` }],
  ["dialogflow-cx", { botType: "dialogflow-cx", botUrl: `${dialogflow.url}/_/v3/projects/pizza-project/locations/global/agents/agent-1`, dialogflowServiceAccountKey: dialogflow.serviceAccountKey() }],
  ["directline", { botType: "directline", botUrl: `${directLine.url}/_/v3/directline`, directLineSecret: DIRECT_LINE_SECRET }],
  ["botpress", { botType: "botpress", botUrl: `${botpress.url}/_/0d3a5f6e-1b2c-4d5e-8f90-a1b2c3d4e5f6` }],
];

const fromBot = async (key: Record<string, string>, conversation: string) =>
  ((await request(`/api/v1/calls/${conversation}`, { headers: key })).body.messages as { direction: string; body: string }[]).filter((m) => m.direction === "from_bot");

async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 4_000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no reply in 20 s");
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rows: string[] = [];
try {
  const account = await request("/api/v1/accounts", { method: "POST", json: { email: `bench-${Date.now()}@example.com`, password: "a long password here" } });
  const key = { authorization: `Bearer ${account.body.apiKey as string}` };
  for (const [name, settings] of platforms) {
    const service = (await request("/api/v1/services", { method: "POST", headers: key, json: { name, language: "en-US" } })).body.id as string;
    await request(`/api/v1/services/${service}`, { method: "PATCH", headers: key, json: settings });
    const conversation = (await request(`/api/v1/services/${service}/calls`, { method: "POST", headers: key, json: { from: "+14155550100" } })).body.conversation as string;
    await until(async () => (await fromBot(key, conversation)).length >= 1);
    const latencies: number[] = [];
    for (let turn = 0; turn < TURNS; turn++) {
      const text = `order ${turn}`;
      const started = performance.now();
      await request(`/api/v1/calls/${conversation}/utterances`, { method: "POST", headers: key, json: { text } });
      await until(async () => (await fromBot(key, conversation)).some((m) => m.body === `You said: ${text}`));
      latencies.push(performance.now() - started);
      // Let the turn's delivery finish (the last empty read of a polled platform) before the next one.
      await until(async () => ((await request(`/api/v1/calls/${conversation}`, { headers: key })).body.messages as { delivery?: string }[]).every((m) => m.delivery !== "pending"));
    }
    await request(`/api/v1/calls/${conversation}`, { method: "DELETE", headers: key });
    const sorted = latencies.sort((a, b) => a - b);
    rows.push(`| ${name} | ${TURNS} | ${percentile(sorted, 50).toFixed(0)} | ${percentile(sorted, 95).toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} |`);
  }
  console.log("| platform | turns | median ms | p95 ms | max ms |\n| --- | --- | --- | --- | --- |");
  console.log(rows.join("\n"));
} finally {
  await Promise.all([gateway.stop(), rasa.close(), directLine.close(), dialogflow.close(), botpress.close()]);
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, callRecord, freePort, newAccount, newService, startCall, startGateway, until, utter } from "./server.ts";

// Faults, against `npm start`'s server with its production delivery settings (retries after 2, 5, 10 and 15 s).

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
}, 120_000);
afterAll(async () => {
  await gateway?.stop();
});

/** A new account's service pointed at `botUrl`, with the typed client (client/) as that account. */
async function serviceFor(botUrl: string) {
  const { api } = await newAccount(gateway.url, "faults");
  const service = await newService(api, { name: "faults", botUrl, botToken: "faults" });
  return { api, serviceId: service.id };
}


describe("faults", () => {
  it("a bot that is down for 30 s gets every queued message once, in order, when it comes back", async () => {
    const port = await freePort(); // nothing listens there for 30 s: connections are refused
    const { api, serviceId } = await serviceFor(`http://127.0.0.1:${port}/bot/{conversation}`);
    const downSince = Date.now();
    const conversation = await startCall(api, serviceId, "+15550001111");
    for (const text of ["one", "two", "three"]) expect((await utter(api, conversation, text)).response.status).toBe(202);

    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downSince))));
    const bot = await startFakeBot(port);
    try {
      const log = await until(async () => {
        const r = (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: { body: string; new: string } }[];
        return r.length >= 4 && r;
      }, 30_000, "the queued messages");
      await new Promise((r) => setTimeout(r, 2000)); // nothing more arrives: no duplicates
      const after = (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as unknown[];
      expect(after).toHaveLength(4);
      expect(log.map((r) => (r.message.new === "true" ? "<new>" : r.message.body))).toEqual(["<new>", "one", "two", "three"]);
      const transcript = await callRecord(api, conversation);
      expect(transcript.failedDeliveries).toBe(0);
      expect(transcript.messages[0]).toMatchObject({ delivery: "delivered", attempts: 5 });
    } finally {
      await bot.close();
    }
  }, 90_000);

  it("a slow bot (5 s per answer) does not slow down other calls", async () => {
    const slowBot = await startFakeBot();
    const fastBot = await startFakeBot();
    try {
      const slow = await serviceFor(`${slowBot.url}/bot/{conversation}?delay=5000`);
      const fast = await serviceFor(`${fastBot.url}/bot/{conversation}`);
      const slowCalls = await Promise.all(Array.from({ length: 5 }, () => startCall(slow.api, slow.serviceId, "+15550002222")));
      for (const c of slowCalls) await utter(slow.api, c, "slow");

      const conversation = await startCall(fast.api, fast.serviceId, "+15550003333");
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const sent = Date.now();
        await utter(fast.api, conversation, `fast ${i}`);
        await until(async () => {
          const r = (await (await fetch(`${fastBot.url}/received/${conversation}`)).json()) as { message: { body: string } }[];
          return r.some((x) => x.message.body === `fast ${i}`);
        }, 10_000, `fast ${i}`);
        latencies.push(Date.now() - sent);
      }
      // Each fast message took well under the slow bot's 5 s while the slow calls were still waiting on it.
      expect(Math.max(...latencies)).toBeLessThan(2000);
      const stillSlow = (await (await fetch(`${slowBot.url}/received/${slowCalls[0]}`)).json()) as unknown[];
      expect(stillSlow.length).toBeLessThanOrEqual(2);
    } finally {
      await Promise.all([slowBot.close(), fastBot.close()]);
    }
  }, 90_000);
});

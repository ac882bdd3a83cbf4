import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import { type PhoneMyBotClient, managementClient, messagingClient } from "../../client/index.ts";
import { type Gateway, callRecord, newAccount, newService, startCall, startGateway, until, utter } from "./server.ts";

// The gateway process is stopped mid-call and started again on the same storage: the call, the bot's opaque value
// and the delivery queue survive, and the call goes on (or, with its agent gone, ends).

interface Scene {
  /** The typed client as the account, on the gateway as it is now (a restarted gateway has another port). */
  api: () => PhoneMyBotClient;
  serviceId: string;
  /** The typed messaging client as the bot, with the service's token. */
  botApi: () => PhoneMyBotClient;
  gatewayUrl: () => string;
  received: (conversation: string) => Promise<Received[]>;
  /** Stops the gateway, runs `meanwhile`, and starts it again on the same storage. */
  restart: (meanwhile?: () => void) => Promise<void>;
}

/** A gateway on storage of its own (no voice agent), a fake bot behaving as `botQuery`, and a service wired to it. */
async function withRestartableGateway(botQuery: string, vars: Record<string, string>, test: (scene: Scene) => Promise<void>) {
  const persistTo = await mkdtemp(join(tmpdir(), "pmb-restart-"));
  const bot = await startFakeBot();
  let gateway: Gateway | undefined;
  try {
    gateway = await startGateway(vars, { persistTo, agent: false });
    const account = await newAccount(gateway.url, "restart");
    const service = await newService(account.api, { name: "restart", botUrl: `${bot.url}/bot/{conversation}?${botQuery}`, botToken: "restart" });
    await test({
      api: () => managementClient(gateway!.url, account.apiKey),
      serviceId: service.id,
      botApi: () => messagingClient(gateway!.url, service.token),
      gatewayUrl: () => gateway!.url,
      received: async (conversation) => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as Received[],
      restart: async (meanwhile) => {
        await gateway!.stop();
        meanwhile?.();
        gateway = await startGateway(vars, { persistTo, agent: false });
      },
    });
  } finally {
    await gateway?.stop();
    await bot.close();
    await rm(persistTo, { recursive: true, force: true });
  }
}

const botSends = (bot: PhoneMyBotClient, conversation: string, message: { body: string; opaque?: string; last?: boolean }) =>
  bot.POST("/cloudengine/rest/voicebot/send/{conversation}", { params: { path: { conversation } }, body: { conversation, ...message } });

describe("restarting the gateway", () => {
  it("keeps calls, their state and their queued deliveries across a restart", async () => {
    // The bot fails its first two requests: the `new` message is waiting for its retry when the gateway stops.
    await withRestartableGateway("fail=2", {}, async ({ api, serviceId, botApi, received, restart }) => {
      const conversation = await startCall(api(), serviceId, "+15550004444");
      expect((await botSends(botApi(), conversation, { body: "Hello", opaque: "kept across restarts" })).data?.reason).toBe("delivered");
      expect((await utter(api(), conversation, "before the restart")).response.status).toBe(202);

      await restart();

      expect((await utter(api(), conversation, "after the restart")).response.status).toBe(202);
      const delivered = await until(async () => {
        const answered = (await received(conversation)).filter((r) => r.answered === 200);
        return answered.length >= 3 && answered;
      }, 30_000, "three messages delivered");
      expect(delivered.map((r) => (r.message.new === "true" ? "<new>" : r.message.body))).toEqual(["<new>", "before the restart", "after the restart"]);
      expect(delivered[2]!.message.opaque).toBe("kept across restarts");
      const transcript = await callRecord(api(), conversation);
      expect(transcript).toMatchObject({ state: "active", failedDeliveries: 0 });
      expect(transcript.messages.map((m) => m.body)).toEqual(["", "Hello", "before the restart", "after the restart"]);
      expect((await botSends(botApi(), conversation, { body: "Bye", last: true })).data?.reason).toBe("delivered");
    });
  }, 120_000);

  it("ends a voice call whose agent died with the gateway: after the restart the agent's grace runs out and the bot gets `last`", async () => {
    const vars = { AGENT_SECRET: "restart-agent-secret", AGENT_CHECK_INTERVAL_MS: "1000", AGENT_RECONNECT_GRACE_MS: "1000" };
    await withRestartableGateway("", vars, async ({ api, serviceId, gatewayUrl, received, restart }) => {
      // An agent that starts a call and then dies with the gateway (its socket is never opened again).
      const conversation = crypto.randomUUID();
      const agent = new WebSocket(`${gatewayUrl().replace("http", "ws")}/agent/v1/conversations/${conversation}`, { headers: { authorization: `Bearer ${vars.AGENT_SECRET}` } });
      await new Promise((resolve, reject) => agent.once("open", resolve).once("error", reject));
      agent.send(JSON.stringify({ type: "start", from: "+15550006666", serviceId, transport: "sip" }));
      await new Promise((resolve) => agent.once("message", resolve));
      // The `new` message delivered before the restart: one still in flight is sent again after it (the next test), which
      // is not what this one is about (CI once saw it twice).
      await until(async () => (await callRecord(api(), conversation)).messages[0]?.delivery === "delivered", 10_000, "the new message delivered");

      await restart(() => agent.terminate());

      const log = await until(async () => {
        const all = await received(conversation);
        return all.some((r) => r.message.last === "true") && all;
      }, 30_000, "the bot told the call is over");
      expect(log.map((r) => [r.message.new, r.message.last])).toEqual([["true", "false"], ["false", "true"]]);
      expect(await callRecord(api(), conversation)).toMatchObject({ state: "ended", endReason: "agent_lost" });
    });
  }, 120_000);

  it("re-sends a message whose delivery was in flight when the gateway stopped, with nothing else queued after it", async () => {
    // The bot takes 4 s over its first request: the `new` message is still on the wire when the gateway stops.
    await withRestartableGateway("delay=4000&slow=1", {}, async ({ api, serviceId, received, restart }) => {
      const conversation = await startCall(api(), serviceId, "+15550005555");
      await until(async () => (await received(conversation)).length === 1, 10_000, "the first attempt reaches the bot");

      await restart();

      // Nothing new is queued: the gateway must find the unfinished delivery by itself.
      const log = await until(async () => {
        const all = await received(conversation);
        return all.some((r, i) => i > 0 && r.answered === 200) && all;
      }, 40_000, "the interrupted message is sent again after the restart");
      expect(log.map((r) => r.message.new)).toEqual(log.map(() => "true"));
      expect(new Set(log.map((r) => r.idempotencyKey)).size).toBe(1);
      expect((await callRecord(api(), conversation)).messages[0]).toMatchObject({ new: true, delivery: "delivered" });
    });
  }, 120_000);
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, callGateway, startGateway, until } from "./server.ts";

// The gateway process is stopped mid-call and started again on the same storage: the call, the bot's opaque value
// and the delivery queue survive, and the call goes on (or, with its agent gone, ends).

interface Scene {
  call: (path: string, init?: Parameters<typeof callGateway>[2]) => ReturnType<typeof callGateway>;
  /** The account's API key, as headers. */
  key: Record<string, string>;
  serviceId: string;
  /** The bot's Basic authorization with the service's token, as headers. */
  botAuth: Record<string, string>;
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
    const call: Scene["call"] = (path, init = {}) => callGateway(gateway!.url, path, init);
    const account = await call("/api/v1/accounts", { method: "POST", json: { email: `restart-${crypto.randomUUID()}@example.com`, password: "restart password" } });
    const key = { authorization: `Bearer ${account.body.apiKey}` };
    const service = await call("/api/v1/services", { method: "POST", headers: key, json: { name: "restart", language: "en-US" } });
    const configured = await call(`/api/v1/services/${service.body.id}`, { method: "PATCH", headers: key, json: { botUrl: `${bot.url}/bot/{conversation}?${botQuery}`, botToken: "restart" } });
    await test({
      call,
      key,
      serviceId: service.body.id,
      botAuth: { authorization: `Basic ${configured.body.token}` },
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

describe("restarting the gateway", () => {
  it("keeps calls, their state and their queued deliveries across a restart", async () => {
    // The bot fails its first two requests: the `new` message is waiting for its retry when the gateway stops.
    await withRestartableGateway("fail=2", {}, async ({ call, key, serviceId, botAuth, received, restart }) => {
      const conversation = (await call(`/api/v1/services/${serviceId}/calls`, { method: "POST", headers: key, json: { from: "+15550004444" } })).body.conversation as string;
      expect((await call(`/cloudengine/rest/voicebot/send/${conversation}`, { method: "POST", headers: botAuth, json: { body: "Hello", opaque: "kept across restarts" } })).body.reason).toBe("delivered");
      expect((await call(`/api/v1/calls/${conversation}/utterances`, { method: "POST", headers: key, json: { text: "before the restart" } })).status).toBe(202);

      await restart();

      expect((await call(`/api/v1/calls/${conversation}/utterances`, { method: "POST", headers: key, json: { text: "after the restart" } })).status).toBe(202);
      const delivered = await until(async () => {
        const answered = (await received(conversation)).filter((r) => r.answered === 200);
        return answered.length >= 3 && answered;
      }, 30_000, "three messages delivered");
      expect(delivered.map((r) => (r.message.new === "true" ? "<new>" : r.message.body))).toEqual(["<new>", "before the restart", "after the restart"]);
      expect(delivered[2]!.message.opaque).toBe("kept across restarts");
      const transcript = (await call(`/api/v1/calls/${conversation}`, { headers: key })).body;
      expect(transcript).toMatchObject({ state: "active", failedDeliveries: 0 });
      expect(transcript.messages.map((m: { body: string }) => m.body)).toEqual(["", "Hello", "before the restart", "after the restart"]);
      expect((await call(`/cloudengine/rest/voicebot/send/${conversation}`, { method: "POST", headers: botAuth, json: { body: "Bye", last: true } })).body.reason).toBe("delivered");
    });
  }, 120_000);

  it("ends a voice call whose agent died with the gateway: after the restart the agent's grace runs out and the bot gets `last`", async () => {
    const vars = { AGENT_SECRET: "restart-agent-secret", AGENT_CHECK_INTERVAL_MS: "1000", AGENT_RECONNECT_GRACE_MS: "1000" };
    await withRestartableGateway("", vars, async ({ call, key, serviceId, gatewayUrl, received, restart }) => {
      // An agent that starts a call and then dies with the gateway (its socket is never opened again).
      const conversation = crypto.randomUUID();
      const agent = new WebSocket(`${gatewayUrl().replace("http", "ws")}/agent/v1/conversations/${conversation}`, { headers: { authorization: `Bearer ${vars.AGENT_SECRET}` } });
      await new Promise((resolve, reject) => agent.once("open", resolve).once("error", reject));
      agent.send(JSON.stringify({ type: "start", from: "+15550006666", serviceId, transport: "sip" }));
      await new Promise((resolve) => agent.once("message", resolve));

      await restart(() => agent.terminate());

      const log = await until(async () => {
        const all = await received(conversation);
        return all.some((r) => r.message.last === "true") && all;
      }, 30_000, "the bot told the call is over");
      expect(log.map((r) => [r.message.new, r.message.last])).toEqual([["true", "false"], ["false", "true"]]);
      expect((await call(`/api/v1/calls/${conversation}`, { headers: key })).body).toMatchObject({ state: "ended", endReason: "agent_lost" });
    });
  }, 120_000);

  it("re-sends a message whose delivery was in flight when the gateway stopped, with nothing else queued after it", async () => {
    // The bot takes 4 s over its first request: the `new` message is still on the wire when the gateway stops.
    await withRestartableGateway("delay=4000&slow=1", {}, async ({ call, key, serviceId, received, restart }) => {
      const conversation = (await call(`/api/v1/services/${serviceId}/calls`, { method: "POST", headers: key, json: { from: "+15550005555" } })).body.conversation as string;
      await until(async () => (await received(conversation)).length === 1, 10_000, "the first attempt reaches the bot");

      await restart();

      // Nothing new is queued: the gateway must find the unfinished delivery by itself.
      const log = await until(async () => {
        const all = await received(conversation);
        return all.some((r, i) => i > 0 && r.answered === 200) && all;
      }, 40_000, "the interrupted message is sent again after the restart");
      expect(log.map((r) => r.message.new)).toEqual(log.map(() => "true"));
      expect(new Set(log.map((r) => r.idempotencyKey)).size).toBe(1);
      const transcript = (await call(`/api/v1/calls/${conversation}`, { headers: key })).body;
      expect(transcript.messages[0]).toMatchObject({ new: true, delivery: "delivered" });
    });
  }, 120_000);
});

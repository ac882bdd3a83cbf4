import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, callGateway, startGateway, until } from "./server.ts";

// The gateway process is stopped mid-call and started again on the same storage: the call, the bot's opaque value
// and the delivery queue (a message waiting for its retry) survive, and the call goes on.

describe("restarting the gateway", () => {
  it("keeps calls, their state and their queued deliveries across a restart", async () => {
    const persistTo = await mkdtemp(join(tmpdir(), "pmb-restart-"));
    const bot = await startFakeBot();
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({}, { persistTo });
      const call = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway!.url, path, init);
      const account = await call("/api/v1/accounts", { method: "POST", json: { email: `restart-${crypto.randomUUID()}@example.com`, password: "restart password" } });
      const key = { authorization: `Bearer ${account.body.apiKey}` };
      const service = await call("/api/v1/services", { method: "POST", headers: key, json: { name: "restart", language: "en-US" } });
      // The bot fails its first two requests: the `new` message is waiting for its retry when the gateway stops.
      const configured = await call(`/api/v1/services/${service.body.id}`, { method: "PATCH", headers: key, json: { botUrl: `${bot.url}/bot/{conversation}?fail=2`, botToken: "restart" } });
      const botAuth = { authorization: `Basic ${configured.body.token}` };
      const conversation = (await call(`/api/v1/services/${service.body.id}/calls`, { method: "POST", headers: key, json: { from: "+15550004444" } })).body.conversation as string;
      expect((await call(`/cloudengine/rest/voicebot/send/${conversation}`, { method: "POST", headers: botAuth, json: { body: "Hello", opaque: "kept across restarts" } })).body.reason).toBe("delivered");
      expect((await call(`/api/v1/calls/${conversation}/utterances`, { method: "POST", headers: key, json: { text: "before the restart" } })).status).toBe(202);

      await gateway.stop();
      gateway = await startGateway({}, { persistTo });

      expect((await call(`/api/v1/calls/${conversation}/utterances`, { method: "POST", headers: key, json: { text: "after the restart" } })).status).toBe(202);
      const deadline = Date.now() + 30_000;
      let delivered: { message: Record<string, string> }[] = [];
      while (Date.now() < deadline) {
        const log = (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { answered: number | string; message: Record<string, string> }[];
        delivered = log.filter((r) => r.answered === 200);
        if (delivered.length >= 3) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(delivered.map((r) => (r.message.new === "true" ? "<new>" : r.message.body))).toEqual(["<new>", "before the restart", "after the restart"]);
      expect(delivered[2]!.message.opaque).toBe("kept across restarts");
      const transcript = (await call(`/api/v1/calls/${conversation}`, { headers: key })).body;
      expect(transcript).toMatchObject({ state: "active", failedDeliveries: 0 });
      expect(transcript.messages.map((m: { body: string }) => m.body)).toEqual(["", "Hello", "before the restart", "after the restart"]);
      expect((await call(`/cloudengine/rest/voicebot/send/${conversation}`, { method: "POST", headers: botAuth, json: { body: "Bye", last: true } })).body.reason).toBe("delivered");
    } finally {
      await gateway?.stop();
      await bot.close();
      await rm(persistTo, { recursive: true, force: true });
    }
  }, 120_000);

  it("ends a voice call whose agent died with the gateway: after the restart the agent's grace runs out and the bot gets `last`", async () => {
    const persistTo = await mkdtemp(join(tmpdir(), "pmb-restart-"));
    const bot = await startFakeBot();
    const vars = { AGENT_SECRET: "restart-agent-secret", AGENT_CHECK_INTERVAL_MS: "1000", AGENT_RECONNECT_GRACE_MS: "1000" };
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway(vars, { persistTo, agent: false });
      const call = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway!.url, path, init);
      const account = await call("/api/v1/accounts", { method: "POST", json: { email: `agent-gone-${crypto.randomUUID()}@example.com`, password: "restart password" } });
      const key = { authorization: `Bearer ${account.body.apiKey}` };
      const service = await call("/api/v1/services", { method: "POST", headers: key, json: { name: "agent gone", language: "en-US" } });
      await call(`/api/v1/services/${service.body.id}`, { method: "PATCH", headers: key, json: { botUrl: `${bot.url}/bot/{conversation}`, botToken: "agent-gone" } });
      // An agent that starts a call and then dies with the gateway (its socket is never opened again).
      const conversation = crypto.randomUUID();
      const agent = new WebSocket(`${gateway.url.replace("http", "ws")}/agent/v1/conversations/${conversation}`, { headers: { authorization: `Bearer ${vars.AGENT_SECRET}` } });
      await new Promise((resolve, reject) => agent.once("open", resolve).once("error", reject));
      agent.send(JSON.stringify({ type: "start", from: "+15550006666", serviceId: service.body.id, transport: "sip" }));
      await new Promise((resolve) => agent.once("message", resolve));

      await gateway.stop();
      agent.terminate();
      gateway = await startGateway(vars, { persistTo, agent: false });

      const received = async () => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: Record<string, string> }[];
      const log = await until(async () => {
        const all = await received();
        return all.some((r) => r.message.last === "true") && all;
      }, 30_000, "the bot told the call is over");
      expect(log.map((r) => [r.message.new, r.message.last])).toEqual([["true", "false"], ["false", "true"]]);
      expect((await call(`/api/v1/calls/${conversation}`, { headers: key })).body).toMatchObject({ state: "ended", endReason: "agent_lost" });
    } finally {
      await gateway?.stop();
      await bot.close();
      await rm(persistTo, { recursive: true, force: true });
    }
  }, 120_000);

  it("re-sends a message whose delivery was in flight when the gateway stopped, with nothing else queued after it", async () => {
    const persistTo = await mkdtemp(join(tmpdir(), "pmb-restart-"));
    const bot = await startFakeBot();
    let gateway: Gateway | undefined;
    try {
      gateway = await startGateway({}, { persistTo });
      const call = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway!.url, path, init);
      const account = await call("/api/v1/accounts", { method: "POST", json: { email: `in-flight-${crypto.randomUUID()}@example.com`, password: "restart password" } });
      const key = { authorization: `Bearer ${account.body.apiKey}` };
      const service = await call("/api/v1/services", { method: "POST", headers: key, json: { name: "in flight", language: "en-US" } });
      // The bot takes 4 s over its first request: the `new` message is still on the wire when the gateway stops.
      await call(`/api/v1/services/${service.body.id}`, { method: "PATCH", headers: key, json: { botUrl: `${bot.url}/bot/{conversation}?delay=4000&slow=1`, botToken: "in-flight" } });
      const conversation = (await call(`/api/v1/services/${service.body.id}/calls`, { method: "POST", headers: key, json: { from: "+15550005555" } })).body.conversation as string;
      const received = async () => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { answered: number | string; idempotencyKey: string; message: Record<string, string> }[];
      await until(async () => (await received()).length === 1, 10_000, "the first attempt reaches the bot");

      await gateway.stop();
      gateway = await startGateway({}, { persistTo });

      // Nothing new is queued: the gateway must find the unfinished delivery by itself.
      const log = await until(async () => {
        const all = await received();
        return all.some((r, i) => i > 0 && r.answered === 200) && all;
      }, 40_000, "the interrupted message is sent again after the restart");
      expect(log.map((r) => r.message.new)).toEqual(log.map(() => "true"));
      expect(new Set(log.map((r) => r.idempotencyKey)).size).toBe(1);
      const transcript = (await call(`/api/v1/calls/${conversation}`, { headers: key })).body;
      expect(transcript.messages[0]).toMatchObject({ new: true, delivery: "delivered" });
    } finally {
      await gateway?.stop();
      await bot.close();
      await rm(persistTo, { recursive: true, force: true });
    }
  }, 120_000);
});

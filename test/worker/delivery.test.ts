import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConversationObject } from "../../durable-objects/conversation.ts";
import { type Env, conversationStub } from "../../worker/env.ts";
import { api, botSends, deliveredMessages, deliveredOnce, eventually, received, say, serviceWithBot, startCall } from "./helpers.ts";

// vitest.config.ts sets the retry waits to 150, 300 and 600 ms (4 tries) and the bot timeout to 4 s.

afterEach(() => {
  vi.restoreAllMocks();
});

const transcript = async (key: string, conversation: string) => (await api(`/api/v1/calls/${conversation}`, { key })).body;

describe("delivery to the bot", () => {
  it("keeps the order of many messages sent at once", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const words = Array.from({ length: 25 }, (_, i) => `utterance ${i}`);
    await Promise.all(words.map((w) => say(key, conversation, w)));
    const bodies = (await deliveredOnce(conversation, 26)).map((x) => x.body);
    // Requests sent together may reach the object in any order; what it accepted, it delivers in that order.
    const accepted = (await transcript(key, conversation)).messages.map((m: { body: string }) => m.body);
    expect(bodies).toEqual(accepted);
    expect([...bodies].sort()).toEqual(["", ...words].sort());
  });

  it("delivers a burst of messages at once without waking the call's alarm for each: the alarm is only the safety net", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await eventually(async () => (await deliveredMessages(conversation)).length === 1);
    const call = await runInDurableObject(conversationStub(env as unknown as Env, conversation), (instance: ConversationObject) => instance);
    const alarm = vi.spyOn(ConversationObject.prototype, "alarm");

    for (let i = 0; i < 10; i++) expect((await say(key, conversation, `burst ${i}`)).status).toBe(202);
    await eventually(async () => (await deliveredMessages(conversation)).length === 11);
    expect(alarm.mock.contexts.filter((self) => self === call)).toHaveLength(0);
    // The safety net is still set: the bot timeout (4 s here) and a margin after the last message was queued.
    const at = await runInDurableObject(conversationStub(env as unknown as Env, conversation), (_instance, state) => state.storage.getAlarm());
    expect(at! - Date.now()).toBeGreaterThan(3_000);
  });

  it("retries a bot that fails its first tries, without reordering what comes after", async () => {
    const { key, serviceId } = await serviceWithBot("fail=2");
    const conversation = await startCall(key, serviceId);
    await say(key, conversation, "first");
    await say(key, conversation, "second");
    const log = await eventually(async () => {
      const r = await received(conversation);
      return r.filter((x) => x.answered === 200).length === 3 && r;
    });
    expect(log.map((r) => [r.message.body, r.answered])).toEqual([
      ["", 503],
      ["", 503],
      ["", 200],
      ["first", 200],
      ["second", 200],
    ]);
    // Backoff: the third try came at least the two first waits (150 + 300 ms) after the first.
    expect(log[2]!.at - log[0]!.at).toBeGreaterThanOrEqual(450);
    const call = await transcript(key, conversation);
    expect(call.messages[0]).toMatchObject({ delivery: "delivered", attempts: 3 });
    expect(call.failedDeliveries).toBe(0);
  });

  it("records a message that fails for good on the call, and goes on with the next", async () => {
    const { key, serviceId } = await serviceWithBot("status=503");
    const conversation = await startCall(key, serviceId);
    await say(key, conversation, "are you there?");
    const call = await eventually(async () => {
      const c = await transcript(key, conversation);
      return c.messages.every((m: { delivery?: string }) => m.delivery === "failed") && c;
    });
    expect(call.failedDeliveries).toBe(2);
    expect(call.messages[0]).toMatchObject({ delivery: "failed", attempts: 4, error: "the bot answered HTTP 503" });
    const attempts = await received(conversation);
    expect(attempts.filter((r) => r.message.new === "true")).toHaveLength(4);
    expect(attempts.filter((r) => r.message.body === "are you there?")).toHaveLength(4);
    const listed = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(listed[0]).toMatchObject({ conversation, failedDeliveries: 2 });
  });

  it("does not retry a bot that says no with a 4xx or a 2xx whose reason is not delivered, and records why", async () => {
    for (const [behaviour, error] of [
      ["status=404", "the bot answered HTTP 404"],
      ["refuse=1", "the bot refused it: rejected"],
      [`answer=${encodeURIComponent('{"reason":"rejected"}')}`, "the bot refused it: rejected"],
      [`answer=${encodeURIComponent('{"success":false,"reason":"authorization fail"}')}`, "the bot refused it: authorization fail"],
    ]) {
      const { key, serviceId } = await serviceWithBot(behaviour);
      const conversation = await startCall(key, serviceId);
      const call = await eventually(async () => {
        const c = await transcript(key, conversation);
        return c.messages[0].delivery !== "pending" && c;
      });
      expect(call.messages[0], behaviour).toMatchObject({ delivery: "failed", attempts: 1, error });
      expect(await received(conversation)).toHaveLength(1);
    }
  });

  it("takes a 2xx that is not JSON, or whose JSON has no reason, as delivered", async () => {
    for (const behaviour of ["garbage=1", `answer=${encodeURIComponent('{"code":"OK","message":"queued"}')}`]) {
      const { key, serviceId } = await serviceWithBot(behaviour);
      const conversation = await startCall(key, serviceId);
      const call = await eventually(async () => {
        const c = await transcript(key, conversation);
        return c.messages[0].delivery !== "pending" && c;
      });
      expect(call.messages[0], behaviour).toMatchObject({ delivery: "delivered", attempts: 1 });
    }
  });

  it("retries after a dropped connection and after a bot that does not answer in time", async () => {
    for (const behaviour of ["drop=1", "delay=4500&slow=1"]) {
      const { key, serviceId } = await serviceWithBot(behaviour);
      const conversation = await startCall(key, serviceId);
      const call = await eventually(async () => {
        const c = await transcript(key, conversation);
        return c.messages[0].delivery === "delivered" && c;
      }, 20_000);
      expect(call.messages[0].attempts, behaviour).toBeGreaterThanOrEqual(2);
      // Every attempt of a message carries the same Idempotency-Key, so a bot can drop a retry it already handled.
      await say(key, conversation, "and a second message");
      const log = await eventually(async () => {
        const l = await received(conversation);
        return l.some((r) => r.message.body === "and a second message") && l;
      }, 20_000);
      const opening = log.filter((r) => r.message.new === "true");
      expect(opening.length, behaviour).toBeGreaterThanOrEqual(2);
      const keys = new Set(opening.map((r) => r.idempotencyKey));
      expect(keys.size, behaviour).toBe(1);
      expect(opening[0]!.idempotencyKey).toMatch(new RegExp(`^${conversation}:\\d+$`));
      const second = log.find((r) => r.message.body === "and a second message")!;
      expect(second.idempotencyKey).not.toBe(opening[0]!.idempotencyKey);
    }
  });

  it("keeps what would go to the bot for the test chat while the service is in demo mode", async () => {
    const { key, serviceId } = await serviceWithBot();
    const reset = await api(`/api/v1/services/${serviceId}/reset-demo`, { method: "POST", key });
    const conversation = await startCall(key, serviceId);
    await say(key, conversation, "hello test chat");
    const call = await eventually(async () => {
      const c = await transcript(key, conversation);
      return c.messages.length === 2 && c.messages.every((m: { delivery: string }) => m.delivery === "test_chat") && c;
    });
    expect(call.messages.map((m: { body: string }) => m.body)).toEqual(["", "hello test chat"]);
    expect(await received(conversation)).toEqual([]);
    // The owner answers through the same send API with the service token.
    expect((await botSends(conversation, reset.body.token, { body: "Hi from the test chat" })).body.reason).toBe("delivered");
  });
});

describe("many calls at once", () => {
  it("keeps 50 concurrent calls apart, each with its own opaque", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversations = await Promise.all(Array.from({ length: 50 }, (_, i) => startCall(key, serviceId, `+1415555${String(i).padStart(4, "0")}`)));
    await Promise.all(
      conversations.map(async (conversation, i) => {
        expect((await botSends(conversation, token, { body: `hello caller ${i}`, opaque: `opaque-${i}` })).body.reason).toBe("delivered");
        await say(key, conversation, `caller ${i} speaking`);
      }),
    );
    await Promise.all(
      conversations.map(async (conversation, i) => {
        // A retry after a timeout may deliver a message twice (at least once); what matters here is that
        // nothing crosses between calls.
        const messages = await eventually(async () => {
          const m = await deliveredMessages(conversation);
          return m.some((x) => x.body === `caller ${i} speaking`) && m;
        }, 45_000);
        expect(messages.every((m) => m.conversation === conversation)).toBe(true);
        expect(messages[0]).toMatchObject({ new: "true", from: `+1415555${String(i).padStart(4, "0")}` });
        expect(messages.find((m) => m.body === `caller ${i} speaking`)).toMatchObject({ opaque: `opaque-${i}`, new: "false" });
      }),
    );
    // 100 deliveries and 150 requests: on a machine busy with other work this takes more than the usual 30 s.
  }, 90_000);
});

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KeptServiceLink } from "../../durable-objects/conversation/kept-service-link.ts";
import { ConversationObject } from "../../durable-objects/conversation.ts";
import { ServiceObject } from "../../durable-objects/service.ts";
import { UntoldCalls } from "../../durable-objects/untold-calls.ts";
import type { ServiceLink } from "../../durable-objects/service-link.ts";
import { type Env, conversationStub, directory, serviceStub } from "../../worker/env.ts";
import { sha256Hex } from "../../worker/secrets.ts";
import { api, botSends, deliveredMessages, eventually, fakeBotUrl, received, say, serviceWithBot, startCall } from "./helpers.ts";

const bindings = env as unknown as Env;
const transcript = async (key: string, conversation: string) => (await api(`/api/v1/calls/${conversation}`, { key })).body;

/** What the call keeps of its service, read from its storage. */
const keptLink = (conversation: string) =>
  runInDurableObject(conversationStub(bindings, conversation), (_instance, state) => new KeptServiceLink(state.storage.sql).read());

/** The names of the methods the service's object runs from now on (an RPC runs the class's prototype method). */
async function watchService(serviceId: string): Promise<() => string[]> {
  const watched = await runInDurableObject(serviceStub(bindings, serviceId), (instance: ServiceObject) => instance);
  const prototype = ServiceObject.prototype as unknown as Record<string, () => unknown>;
  const spies = Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== "constructor" && typeof prototype[name] === "function")
    .map((name) => [name, vi.spyOn(prototype, name)] as const);
  return () => spies.flatMap(([name, spy]) => spy.mock.contexts.filter((self) => self === watched).map(() => name));
}

/** The calls the service could not tell of its newest link, read from its storage. */
const untoldCalls = (serviceId: string) =>
  runInDurableObject(serviceStub(bindings, serviceId), (_instance, state) => new UntoldCalls(state.storage.sql).list());

/** From now on, telling this call's object of a change fails, as long as `cut()` says so. */
async function cutOff(conversation: string, cut: () => boolean = () => true): Promise<void> {
  const unreachable = await runInDurableObject(conversationStub(bindings, conversation), (instance: ConversationObject) => instance);
  const serviceChanged = ConversationObject.prototype.serviceChanged;
  vi.spyOn(ConversationObject.prototype, "serviceChanged").mockImplementation(function (this: ConversationObject, link) {
    if (this === unreachable && cut()) throw new Error("Durable Object is overloaded");
    return serviceChanged.call(this, link);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("what a live call keeps of its service", () => {
  it("takes the bot's message and delivers the caller's without asking the service", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await eventually(async () => (await deliveredMessages(conversation)).length === 1);

    const asked = await watchService(serviceId);
    expect((await botSends(conversation, token, { body: "hi" })).body.reason).toBe("delivered");
    expect((await say(key, conversation, "hello")).status).toBe(202);
    await eventually(async () => (await deliveredMessages(conversation)).some((m) => m.body === "hello"));
    expect(asked()).toEqual([]);
  });

  it("is told of a new token before the change is answered: the old token fails at once on every live call", async () => {
    const { key, serviceId, token: first } = await serviceWithBot();
    const conversations = await Promise.all(Array.from({ length: 5 }, () => startCall(key, serviceId)));
    for (const conversation of conversations) expect((await botSends(conversation, first, { body: "one" })).body.reason).toBe("delivered");

    const second = (await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } })).body.token as string;
    for (const conversation of conversations) {
      expect((await botSends(conversation, first, { body: "two" })).body.reason).toBe("authorization fail");
      expect((await botSends(conversation, second, { body: "two" })).body.reason).toBe("delivered");
    }
    const third = (await api(`/api/v1/services/${serviceId}/reset-demo`, { method: "POST", key })).body.token as string;
    for (const conversation of conversations) {
      expect((await botSends(conversation, second, { body: "three" })).body.reason).toBe("authorization fail");
      expect((await botSends(conversation, third, { body: "three" })).body.reason).toBe("delivered");
    }
  });

  it("answers a change with its token when a live call cannot be told, and tells that call from the service's alarm", async () => {
    const { key, serviceId, token: first } = await serviceWithBot();
    const [reachable, unreachable] = [await startCall(key, serviceId), await startCall(key, serviceId)];
    // The unreachable call's object fails every attempt to tell it until it is reachable again.
    let reachableAgain = false;
    await cutOff(unreachable, () => !reachableAgain);
    const untold = () => untoldCalls(serviceId);

    const changed = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } });
    expect(changed.status).toBe(200);
    const second = changed.body.token as string;
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await botSends(reachable, first, { body: "one" })).body.reason).toBe("authorization fail");
    expect((await botSends(reachable, second, { body: "one" })).body.reason).toBe("delivered");
    expect((await keptLink(unreachable))?.tokenHash).toBe(await sha256Hex(first));
    expect(await untold()).toEqual([{ conversation: unreachable, rounds: 0 }]);

    // A round while it is still unreachable: tried again later, at a longer wait.
    expect(await runDurableObjectAlarm(serviceStub(bindings, serviceId))).toBe(true);
    expect(await untold()).toEqual([{ conversation: unreachable, rounds: 1 }]);
    expect((await keptLink(unreachable))?.tokenHash).toBe(await sha256Hex(first));

    reachableAgain = true;
    expect(await runDurableObjectAlarm(serviceStub(bindings, serviceId))).toBe(true);
    expect(await untold()).toEqual([]);
    expect((await keptLink(unreachable))?.tokenHash).toBe(await sha256Hex(second));
    expect((await botSends(unreachable, first, { body: "two" })).body.reason).toBe("authorization fail");
    expect((await botSends(unreachable, second, { body: "two" })).body.reason).toBe("delivered");
    // Nothing left to tell: no further round is due.
    expect(await runDurableObjectAlarm(serviceStub(bindings, serviceId))).toBe(false);
  });

  it("lets an untold call be once it has ended", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await cutOff(conversation);
    expect((await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } })).status).toBe(200);
    await runInDurableObject(serviceStub(bindings, serviceId), (_instance, state) => {
      state.storage.sql.exec("UPDATE calls SET ended_at = ? WHERE conversation = ?", Date.now(), conversation);
    });
    expect(await runDurableObjectAlarm(serviceStub(bindings, serviceId))).toBe(true);
    expect(await untoldCalls(serviceId)).toEqual([]);
  });

  it("delivers the next message to a reconfigured bot URL, with the new bot token", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await eventually(async () => (await received(conversation)).length === 1);
    const refusing = `${fakeBotUrl()}/bot/{conversation}?answer=${encodeURIComponent('{"reason":"no thanks"}')}`;
    const patched = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { botUrl: refusing, botToken: "bot-secret-456" } });
    expect(patched.status).toBe(200);

    await say(key, conversation, "after the change");
    const call = await eventually(async () => {
      const c = await transcript(key, conversation);
      return c.messages.at(-1).delivery !== "pending" && c;
    });
    expect(call.messages.at(-1)).toMatchObject({ body: "after the change", delivery: "failed", error: "the bot refused it: no thanks" });
    expect((await received(conversation)).at(-1)!.authorization).toBe("Basic bot-secret-456");
  });

  it("keeps the newest token on calls that start while the service is reconfigured", async () => {
    const { key, serviceId } = await serviceWithBot();
    const [conversations, patches] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => startCall(key, serviceId))),
      Promise.all(Array.from({ length: 4 }, (_, i) => api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: `Name ${i}` } }))),
    ]);
    const tokens = patches.map((p) => p.body.token as string);
    const working = new Set<string>();
    for (const conversation of conversations) {
      const accepted: string[] = [];
      for (const token of tokens) if ((await botSends(conversation, token, { body: "which?" })).body.reason === "delivered") accepted.push(token);
      expect(accepted, conversation).toHaveLength(1);
      working.add(accepted[0]!);
    }
    expect(working.size).toBe(1);
  });

  it("takes no token once its service is deleted, and forgets the bot's URL and token once the bot has its last message", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await eventually(async () => (await received(conversation)).length === 1);
    expect((await api(`/api/v1/services/${serviceId}`, { method: "DELETE", key })).status).toBe(204);

    expect((await botSends(conversation, token, { body: "still there?" })).body.reason).toBe("authorization fail");
    await eventually(async () => (await deliveredMessages(conversation)).some((m) => m.last === "true"));
    await eventually(async () => (await keptLink(conversation))?.target === null);
    expect(await keptLink(conversation)).toMatchObject({ tokenHash: "" });
  });

  it("forgets the bot's URL and token once a call has ended and its last messages are settled", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const byCaller = await startCall(key, serviceId);
    const byBot = await startCall(key, serviceId);
    await eventually(async () => (await received(byCaller)).length === 1 && (await received(byBot)).length === 1);
    expect(await keptLink(byCaller)).toMatchObject({ target: { kind: "bot", token: "bot-secret-123" } });

    expect((await api(`/api/v1/calls/${byCaller}`, { method: "DELETE", key })).status).toBe(204);
    expect((await botSends(byBot, token, { body: "Bye", last: true })).body.reason).toBe("delivered");
    await eventually(async () => (await keptLink(byCaller))?.target === null);
    expect((await deliveredMessages(byCaller)).at(-1)).toMatchObject({ last: "true" });
    expect((await keptLink(byBot))?.target).toBeNull();
  });

  it("asks its service once when it was stored before calls kept a link", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await eventually(async () => (await received(conversation)).length === 1);
    await runInDurableObject(conversationStub(bindings, conversation), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM service_link");
    });

    const asked = await watchService(serviceId);
    expect((await botSends(conversation, token, { body: "hi" })).body.reason).toBe("delivered");
    await say(key, conversation, "hello");
    await eventually(async () => (await deliveredMessages(conversation)).some((m) => m.body === "hello"));
    expect(asked()).toEqual(["link"]);
  });
});

describe("links and token hashes that arrive out of order", () => {
  const link = (version: number, tokenHash: string): ServiceLink => ({ version, tokenHash, target: { kind: "test_chat" } });

  it("a call keeps the newest link it was given", async () => {
    await runInDurableObject(conversationStub(bindings, crypto.randomUUID()), (_instance, state) => {
      const kept = new KeptServiceLink(state.storage.sql);
      expect(kept.read()).toBeUndefined();
      kept.keep(link(2, "b"));
      kept.keep(link(1, "a"));
      kept.keep(link(2, "other"));
      expect(kept.read()).toEqual(link(2, "b"));
      kept.keep(link(3, ""));
      expect(kept.read()).toEqual(link(3, ""));
    });
  });

  it("the Directory's token index keeps the newest token of each service", async () => {
    const serviceId = `svc-${crypto.randomUUID()}`;
    const [older, newer] = [crypto.randomUUID(), crypto.randomUUID()];
    await directory(bindings).recordServiceToken(serviceId, await sha256Hex(newer), 2);
    await directory(bindings).recordServiceToken(serviceId, await sha256Hex(older), 1);
    expect(await directory(bindings).serviceForToken(newer)).toBe(serviceId);
    expect(await directory(bindings).serviceForToken(older)).toBeNull();
    await directory(bindings).recordServiceToken(serviceId, "", 3);
    expect(await directory(bindings).serviceForToken(newer)).toBeNull();
  });
});

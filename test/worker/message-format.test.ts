import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../durable-objects/conversation.ts";
import { type Env, conversationStub } from "../../worker/env.ts";
import { api, botSends, deliveredOnce, say, serviceWithBot, startCall } from "./helpers.ts";

describe("the service's message format", () => {
  it("seed (the default) spells flags as strings and unknown fields as empty strings", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const [first] = await deliveredOnce(conversation, 1);
    expect(first).toMatchObject({ new: "true", last: "false", opaque: "" });
  });

  it("booleans spells flags as JSON booleans and an unknown opaque as null, as the real PhoneMyBot does", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const patched = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { messageFormat: "booleans" } });
    const conversation = await startCall(key, serviceId);
    const [first] = await deliveredOnce(conversation, 1);
    expect(first).toMatchObject({ new: true, last: false, opaque: null, from: "+14155550100" });

    // A bot written for the real product answers with nulls and a JSON-encoded hints string.
    const answer = await botSends(conversation, patched.body.token ?? token, {
      from: null,
      to: null,
      opaque: "state-1",
      body: "Hello",
      new: false,
      last: false,
      hints: JSON.stringify({ note: "kept" }),
    });
    expect(answer.body).toEqual({ success: true, reason: "delivered" });
    await say(key, conversation, "hi");
    const [, second] = await deliveredOnce(conversation, 2);
    expect(second).toMatchObject({ new: false, last: false, opaque: "state-1", body: "hi" });
  });

  it("refuses hints that are neither an object nor a JSON-encoded object, as rejected", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    for (const hints of ["not json", "[1,2]", 42]) {
      const answer = await botSends(conversation, token, { body: "Hello", hints });
      expect(answer, String(hints)).toEqual({ status: 400, body: { success: false, reason: "rejected" } });
    }
  });

  it("keeps the bot's hints on the call record, as an object whether it sent an object or a JSON string", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await deliveredOnce(conversation, 1);
    const asString = await botSends(conversation, token, { body: "one", hints: JSON.stringify({ context: "menu", turn: 1 }) });
    const asObject = await botSends(conversation, token, { body: "two", hints: { telephony: { action: "none" } } });
    const without = await botSends(conversation, token, { body: "three", hints: null });
    expect([asString.body, asObject.body, without.body]).toEqual(Array(3).fill({ success: true, reason: "delivered" }));

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    const fromBot = call.messages.filter((m: { direction: string }) => m.direction === "from_bot");
    expect(fromBot.map((m: { body: string; hints?: unknown }) => [m.body, m.hints])).toEqual([
      ["one", { context: "menu", turn: 1 }],
      ["two", { telephony: { action: "none" } }],
      ["three", undefined],
    ]);
    // The OpenAPI document describes it on the call's messages.
    const doc = (await api("/api/v1/openapi.json")).body;
    const callPath = Object.entries(doc.paths as Record<string, any>).find(([path]) => path.endsWith("/calls/{conversation}"))![1];
    const messageProperties = callPath.get.responses["200"].content["application/json"].schema.properties.messages.items.properties;
    expect(messageProperties.hints).toMatchObject({ type: "object" });
  });

  it("sends the hints we add as a JSON-encoded string and shows them on our message as an object", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    await deliveredOnce(conversation, 1);
    const hints = { telephony: { event: "transfer_failed", called: "+14155550486" } };
    // What call control (transfer, outbound events) queues: a message for the bot with our hints.
    await runInDurableObject(conversationStub(env as unknown as Env, conversation), (instance: ConversationObject) => {
      (instance as unknown as { delivery: { enqueue(m: object): void } }).delivery.enqueue({ body: "", hints });
    });
    const [, sent] = await deliveredOnce(conversation, 2);
    expect(typeof sent!.hints).toBe("string");
    expect(JSON.parse(sent!.hints as string)).toEqual(hints);

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call.messages.at(-1)).toMatchObject({ direction: "to_bot", hints });
  });
});

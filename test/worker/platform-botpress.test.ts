import { describe, expect, inject, it } from "vitest";
import { eventually, say, startCall } from "./helpers.ts";
import { botSaid, callRecord, firstSettled, goodbyeEndsTheCall, platformLog, serviceOnPlatform } from "./platforms.ts";

const WEBHOOK_ID = "0d3a5f6e-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const botpress = (behaviour = "_", webhookId = WEBHOOK_ID) => ({ botType: "botpress", botUrl: `${inject("fakeBotpressUrl")}/${behaviour}/${webhookId}` });

describe("a service whose bot is a Botpress bot (Chat API)", () => {
  it("creates a user and a conversation, posts the caller's words with the user's key and reads the bot's messages", async () => {
    const { key, serviceId } = await serviceOnPlatform(botpress());
    const conversation = await startCall(key, serviceId);
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Botpress pizzeria.", last: false }]);
    await say(key, conversation, "a quattro stagioni");
    expect((await botSaid(key, conversation, 2))[1]).toEqual({ body: "You said: a quattro stagioni", last: false });

    const log = await platformLog(inject("fakeBotpressUrl"));
    const posted = log.find((r) => r.path.endsWith("/messages") && r.method === "POST" && r.body?.payload?.text === "a quattro stagioni")!;
    expect(posted.body).toMatchObject({ payload: { type: "text", text: "a quattro stagioni" } });
    expect(posted.userKey).toMatch(/^key_/);
    const conversationId = posted.body.conversationId as string;
    expect(log.filter((r) => r.path.includes(conversationId) && r.method === "GET").every((r) => r.userKey === posted.userKey)).toBe(true);

    // The bot's <hangup/> markup ends the call, as for any bot.
    await goodbyeEndsTheCall(key, conversation);
  });

  it("retries Botpress's 5xx, and records a refusal", async () => {
    const flaky = await serviceOnPlatform(botpress("fail=1"));
    const conversation = await startCall(flaky.key, flaky.serviceId);
    await botSaid(flaky.key, conversation, 1);
    await say(flaky.key, conversation, "pepperoni");
    const call = await eventually(async () => {
      const c = await callRecord(flaky.key, conversation);
      return c.messages.find((m) => m.body === "pepperoni")?.delivery === "delivered" && c;
    });
    expect(call.messages.find((m) => m.body === "pepperoni")).toMatchObject({ delivery: "delivered", attempts: 2 });
    expect(call.messages.filter((m) => m.direction === "from_bot").map((m) => m.body)).toEqual(["Welcome to the Botpress pizzeria.", "You said: pepperoni"]);

    const unknown = await serviceOnPlatform(botpress("_", "no-such-webhook"));
    const refused = await firstSettled(unknown.key, await startCall(unknown.key, unknown.serviceId));
    expect(refused.messages[0]).toMatchObject({ delivery: "failed", attempts: 1, error: "Botpress answered HTTP 404: Webhook not found" });
  });
});

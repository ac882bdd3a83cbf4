import { describe, expect, it } from "vitest";
import { api, botSends, createService, deliveredMessages, deliveredOnce, eventually, fakeBotUrl, flipLastCharacter, received, register, say, serviceWithBot, startCall } from "./helpers.ts";

describe("a whole conversation over the messaging API", () => {
  it("goes from new to last, with every field, the bot token, and the bot's opaque echoed back", async () => {
    const { key, serviceId } = await serviceWithBot();
    const patched = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { numbers: ["+1 415 555 2671"] } });
    expect(patched.status).toBe(200);
    const token = patched.body.token as string;

    const conversation = await startCall(key, serviceId, "+442071838750");
    const first = await eventually(async () => (await deliveredMessages(conversation))[0]);
    expect(first).toEqual({ from: "+442071838750", to: "+14155552671", body: "", conversation, opaque: "", new: "true", last: "false" });
    const hits = await received(conversation);
    expect(hits[0]!.authorization).toBe("Basic bot-secret-123");

    expect((await botSends(conversation, token, { body: "Welcome to Pizza! What would you like?", opaque: "state-1" })).body).toEqual({
      success: true,
      reason: "delivered",
    });
    expect((await say(key, conversation, "a margherita please")).status).toBe(202);
    const second = await eventually(async () => (await deliveredMessages(conversation))[1]);
    expect(second).toMatchObject({ body: "a margherita please", opaque: "state-1", new: "false", last: "false" });

    // Booleans are accepted for the flags; the bot ends the call.
    expect((await botSends(conversation, token, { body: "Thanks, bye!", last: true, opaque: "state-2" })).body.reason).toBe("delivered");
    expect((await botSends(conversation, token, { body: "one more thing" })).body).toEqual({ success: false, reason: "conversation not found" });
    expect((await say(key, conversation, "hello?")).status).toBe(409);

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "ended", endReason: "bot_hangup", from: "+442071838750", to: "+14155552671" });
    expect(call.messages.map((m: { direction: string; body: string }) => `${m.direction}:${m.body}`)).toEqual([
      "to_bot:",
      "from_bot:Welcome to Pizza! What would you like?",
      "to_bot:a margherita please",
      "from_bot:Thanks, bye!",
    ]);
  });

  it("tells the bot with last when the caller hangs up, and closes the conversation", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    expect((await api(`/api/v1/calls/${conversation}`, { method: "DELETE", key })).status).toBe(204);
    const messages = await deliveredOnce(conversation, 2);
    expect(messages[1]).toMatchObject({ body: "", new: "false", last: "true" });
    expect((await botSends(conversation, token, { body: "are you there?" })).body.reason).toBe("conversation not found");
    expect((await api(`/api/v1/calls/${conversation}`, { method: "DELETE", key })).status).toBe(409);
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "ended", endReason: "caller_hangup" });
  });

  it("uses a bot URL without {conversation} as it is", async () => {
    const account = await register();
    const service = await createService(account.apiKey);
    await api(`/api/v1/services/${service.id}`, { method: "PATCH", key: account.apiKey, json: { botUrl: `${fakeBotUrl()}/bot/fixed` } });
    const conversation = await startCall(account.apiKey, service.id);
    const [hit] = await eventually(async () => (await received(conversation)).length > 0 && received(conversation));
    expect(hit!.message.conversation).toBe(conversation);
    // No bot token configured: no Authorization header is sent.
    expect(hit!.authorization).toBeNull();
  });
});

describe("every answer of the send API", () => {
  it("answers each documented reason with its status", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const unknown = crypto.randomUUID();

    const cases: [Promise<{ status: number; body: unknown }>, number, string][] = [
      [botSends(conversation, token, { body: "hi" }), 200, "delivered"],
      [botSends(conversation, null, { body: "hi" }), 401, "missing authorization header"],
      [botSends(conversation, null, { body: "hi" }, ""), 401, "missing authorization header"],
      [botSends(conversation, null, { body: "hi" }, `Bearer ${token}`), 401, "wrong auhorization header format"],
      [botSends(conversation, null, { body: "hi" }, "Basic"), 401, "wrong auhorization header format"],
      [botSends(conversation, null, { body: "hi" }, `Basic ${token} extra`), 401, "wrong auhorization header format"],
      [botSends(conversation, null, { body: "hi" }, `basic ${token}`), 200, "delivered"],
      [botSends(conversation, "not-the-token", { body: "hi" }), 401, "authorization fail"],
      [botSends(unknown, token, { body: "hi" }), 404, "conversation not found"],
      [botSends("not a valid id!", token, { body: "hi" }), 404, "conversation not found"],
      [botSends(conversation, token, { body: 42 }), 400, "rejected"],
      [botSends(conversation, token, { body: "hi", last: "maybe" }), 400, "rejected"],
      [botSends(conversation, token, { body: "" }), 400, "rejected"],
      [botSends(conversation, token, { body: "hi", conversation: unknown }), 400, "rejected"],
      [botSends(conversation, token, { body: "x".repeat(10_001) }), 400, "rejected"],
      [botSends(conversation, token, { body: "hi", new: "true" }), 403, "start not allowed"],
      [botSends(unknown, token, { body: "hi", new: true }), 403, "start not allowed"],
    ];
    for (const [response, status, reason] of cases) {
      const { status: actual, body } = await response;
      expect({ actual, body }).toEqual({ actual: status, body: { success: reason === "delivered", reason } });
    }
  });

  it("checks the token before the conversation: a wrong token learns nothing about which calls exist", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const active = await startCall(key, serviceId);
    const ended = await startCall(key, serviceId);
    expect((await api(`/api/v1/calls/${ended}`, { method: "DELETE", key })).status).toBe(204);
    const wrong = flipLastCharacter(token);
    for (const conversation of [active, ended, crypto.randomUUID(), "not a valid id!", "", "a/b"]) {
      for (const message of [{ body: "hi" }, { body: "hi", new: true }, { body: "bye", last: true }]) {
        expect((await botSends(conversation, wrong, message)).body, `${conversation} ${JSON.stringify(message)}`).toEqual({
          success: false,
          reason: "authorization fail",
        });
      }
    }
    for (const conversation of ["", "a/b"]) {
      expect((await botSends(conversation, token, { body: "hi" })).body.reason, conversation).toBe("conversation not found");
    }
    // The body is checked before the token.
    expect((await botSends(active, wrong, { body: "" })).body.reason).toBe("rejected");
    // With the right token, the ended call is not found; nothing was recorded from the wrong one.
    expect((await botSends(ended, token, { body: "hi" })).body.reason).toBe("conversation not found");
    const call = (await api(`/api/v1/calls/${active}`, { key })).body;
    expect(call.messages.filter((m: { direction: string }) => m.direction === "from_bot")).toEqual([]);
    expect(call.state).toBe("active");
  });

  it("answers another service's token on a call as if the call did not exist", async () => {
    const mine = await serviceWithBot();
    const theirs = await serviceWithBot();
    const conversation = await startCall(mine.key, mine.serviceId);
    const ended = await startCall(mine.key, mine.serviceId);
    expect((await api(`/api/v1/calls/${ended}`, { method: "DELETE", key: mine.key })).status).toBe(204);
    const unknown = crypto.randomUUID();
    for (const target of [conversation, ended, unknown]) {
      const answer = await botSends(target, theirs.token, { body: "hi" });
      expect({ status: answer.status, body: answer.body }, target).toEqual({
        status: 404,
        body: { success: false, reason: "conversation not found" },
      });
    }
    expect((await botSends(conversation, theirs.token, { body: "hi", new: true })).body.reason).toBe("start not allowed");
    const call = (await api(`/api/v1/calls/${conversation}`, { key: mine.key })).body;
    expect(call.messages.filter((m: { direction: string }) => m.direction === "from_bot")).toEqual([]);
  });

  it("rejects bodies that are not JSON or too large, never with a 5xx", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const post = (body: string, contentType = "application/json") =>
      api(`/cloudengine/rest/voicebot/send/${conversation}`, {
        method: "POST",
        headers: { authorization: `Basic ${token}`, "content-type": contentType },
        body,
      });
    for (const body of ["{not json", "", "[]", "null", '"text"', "x".repeat(40_000), JSON.stringify({ body: "a".repeat(33_000) })]) {
      const res = await post(body);
      expect(res.status, body.slice(0, 20)).toBe(400);
      expect(res.body).toEqual({ success: false, reason: "rejected" });
    }
  });
});

describe("tokens", () => {
  it("issues a new token at every reconfiguration; the previous one fails at once", async () => {
    const { key, serviceId, token: first } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    expect((await botSends(conversation, first, { body: "one" })).body.reason).toBe("delivered");

    const renamed = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } });
    const second = renamed.body.token as string;
    expect(second).not.toBe(first);
    expect(second.length).toBeGreaterThanOrEqual(43); // 256 random bits, base64url
    expect((await botSends(conversation, first, { body: "two" })).body.reason).toBe("authorization fail");
    expect((await botSends(conversation, second, { body: "two" })).body.reason).toBe("delivered");

    const reset = await api(`/api/v1/services/${serviceId}/reset-demo`, { method: "POST", key });
    expect(reset.body).toMatchObject({ demo: true, botUrl: null, botTokenSet: false });
    expect((await botSends(conversation, second, { body: "three" })).body.reason).toBe("authorization fail");
    expect((await botSends(conversation, reset.body.token, { body: "three" })).body.reason).toBe("delivered");
  });

  it("fails a replaced token, and a deleted service's token, on every conversation", async () => {
    const { key, serviceId, token: first } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const second = (await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } })).body.token as string;
    for (const target of [conversation, crypto.randomUUID(), "not a valid id!"]) {
      expect((await botSends(target, first, { body: "hi" })).body.reason, target).toBe("authorization fail");
    }
    expect((await botSends(crypto.randomUUID(), second, { body: "hi" })).body.reason).toBe("conversation not found");

    expect((await api(`/api/v1/services/${serviceId}`, { method: "DELETE", key })).status).toBe(204);
    for (const target of [conversation, crypto.randomUUID()]) {
      expect((await botSends(target, second, { body: "hi" })).body.reason, target).toBe("authorization fail");
    }
  });

  it("never shows a token again, nor in the change log", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const everything = JSON.stringify([
      (await api(`/api/v1/services/${serviceId}`, { key })).body,
      (await api("/api/v1/services", { key })).body,
      (await api(`/api/v1/services/${serviceId}/events`, { key })).body,
    ]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain("bot-secret-123");
  });
});

import { describe, expect, it } from "vitest";
import { api, botSends, deliveredOnce, serviceWithBot, startCall } from "./helpers.ts";
import { agent, numberedServiceWithBot, phoneCall } from "./sockets.ts";

// Transfers (docs/api.md, "Call control"): hints, markup and rules ask; the service's destinations guard; simulated
// calls are transferred by the gateway itself, agent calls by the agent, which reports the outcome.

const DESK = "+14155550100";
const BUSY_DESK = "+14155550486";

/** A service with a bot that may transfer to +1415…; the latest token. */
async function transferringService(settings: Record<string, unknown> = {}) {
  const bot = await serviceWithBot();
  const res = await api(`/api/v1/services/${bot.serviceId}`, {
    method: "PATCH",
    key: bot.key,
    json: { transferDestinations: ["+1415"], ...settings },
  });
  expect(res.status).toBe(200);
  return { ...bot, token: res.body.token as string };
}

const telephonyOf = (message: Record<string, unknown>) => (JSON.parse(String(message.hints)) as { telephony: unknown }).telephony;

describe("transfer settings", () => {
  it("are saved and shown, with an empty list of destinations by default", async () => {
    const { key, serviceId } = await serviceWithBot();
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body).toMatchObject({
      transferDestinations: [],
      transferRules: [],
      transferFailedMessage: "",
    });
    const settings = {
      transferDestinations: ["+1415", "+442071838750", "sip:desk@pbx.example.com"],
      transferRules: [{ pattern: "speak (to|with) a (person|human)", to: DESK, waitSeconds: 2 }],
      transferFailedMessage: "Sorry, nobody can take your call right now.",
    };
    const res = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: settings });
    expect(res.status).toBe(200);
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body).toMatchObject(settings);
  });

  it("refuse a rule whose pattern does not compile or could backtrack catastrophically, naming transferRules", async () => {
    const { key, serviceId } = await serviceWithBot();
    for (const [pattern, why] of [
      ["speak to (a person", "does not compile"],
      ["(a+)+$", "backtrack catastrophically"],
      ["(x*)*y", "backtrack catastrophically"],
    ] as const) {
      const res = await api(`/api/v1/services/${serviceId}`, {
        method: "PATCH",
        key,
        json: { transferRules: [{ pattern, to: DESK, waitSeconds: 0 }] },
      });
      expect(res.status, pattern).toBe(400);
      expect(res.body.error).toBe("invalid input");
      expect(res.body.details).toEqual([expect.objectContaining({ field: "transferRules.0.pattern", message: expect.stringContaining(why) })]);
    }
    const bad = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { transferDestinations: ["0800 123"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe("transferDestinations.0");
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body.transferRules).toEqual([]);
  });
});

describe("transfers on a simulated call", () => {
  it("hints as an object: the call ends as transferred, the bot gets last with the event, the record shows it", async () => {
    const { key, serviceId, token } = await transferringService();
    const conversation = await startCall(key, serviceId);
    const hints = { telephony: { action: "transfer", info: { called: DESK, calling: "+14155559999" } } };
    expect((await botSends(conversation, token, { body: "Putting you through.", hints })).body.reason).toBe("delivered");

    const [, last] = await deliveredOnce(conversation, 2);
    expect(last).toMatchObject({ body: "", last: "true" });
    expect(typeof last!.hints).toBe("string");
    expect(telephonyOf(last!)).toEqual({ event: "transferred", called: DESK });

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "ended", endReason: "transferred", transfer: { to: DESK, result: "transferred" } });
    expect(call.messages.find((m: any) => m.direction === "from_bot")).toMatchObject({ body: "Putting you through.", hints });
    const list = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(list.find((c: any) => c.conversation === conversation)).toMatchObject({
      endReason: "transferred",
      transfer: { to: DESK, result: "transferred" },
    });
  });

  it("hints as a JSON string to the busy test range: the call stays up and the bot gets transfer_failed with 486", async () => {
    const { key, serviceId, token } = await transferringService();
    const conversation = await startCall(key, serviceId);
    const hints = JSON.stringify({ telephony: { action: "transfer", info: { called: BUSY_DESK } } });
    expect((await botSends(conversation, token, { body: "One moment.", hints })).body.reason).toBe("delivered");

    const [, failed] = await deliveredOnce(conversation, 2);
    expect(failed).toMatchObject({ body: "", last: "false" });
    expect(telephonyOf(failed!)).toEqual({ event: "transfer_failed", called: BUSY_DESK, sipStatus: 486, reason: "busy" });
    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "active", endReason: null, transfer: { to: BUSY_DESK, result: "busy" } });
    // The call goes on.
    expect((await botSends(conversation, token, { body: "Still here." })).body.reason).toBe("delivered");
  });

  it("markup with a comma between attributes, to a destination not allowed: refused, shown, and the call stays up", async () => {
    const { key, serviceId, token } = await serviceWithBot(); // no destinations: every transfer is refused
    const conversation = await startCall(key, serviceId);
    const body = `Transferring you now <transfer referto="${DESK}", timeoutms="20000"/>`;
    expect((await botSends(conversation, token, { body })).body.reason).toBe("delivered");

    const [, failed] = await deliveredOnce(conversation, 2);
    expect(telephonyOf(failed!)).toEqual({ event: "transfer_failed", called: DESK, sipStatus: 403, reason: "destination not allowed" });
    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "active", transfer: { to: DESK, result: "destination not allowed" } });
    const list = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(list.find((c: any) => c.conversation === conversation).transfer).toEqual({ to: DESK, result: "destination not allowed" });
  });

  it("the guard reads prefixes and exact SIP URIs: another country's number is refused", async () => {
    const { key, serviceId, token } = await transferringService();
    const conversation = await startCall(key, serviceId);
    const body = "&lt;transfer referto=&quot;tel:+442071838750&quot;/&gt;Let me transfer you.";
    expect((await botSends(conversation, token, { body })).body.reason).toBe("delivered");
    const [, failed] = await deliveredOnce(conversation, 2);
    expect(telephonyOf(failed!)).toMatchObject({ event: "transfer_failed", called: "tel:+442071838750", reason: "destination not allowed" });
  });

  it("a service rule on the bot's words transfers to its number", async () => {
    const { key, serviceId, token } = await transferringService({
      transferRules: [
        { pattern: "billing", to: "+14155550111", waitSeconds: 0 },
        { pattern: "speak (to|with) a (person|human)", to: DESK, waitSeconds: 1 },
      ],
    });
    const conversation = await startCall(key, serviceId);
    expect((await botSends(conversation, token, { body: "Sure, you can Speak to a Person." })).body.reason).toBe("delivered");
    const [, last] = await deliveredOnce(conversation, 2);
    expect(telephonyOf(last!)).toEqual({ event: "transferred", called: DESK });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ endReason: "transferred", transfer: { to: DESK } });
  });

  it("a message with last does not transfer", async () => {
    const { key, serviceId, token } = await transferringService();
    const conversation = await startCall(key, serviceId);
    const hints = { telephony: { action: "transfer", info: { called: DESK } } };
    expect((await botSends(conversation, token, { body: "Bye.", last: true, hints })).body.reason).toBe("delivered");
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ endReason: "bot_hangup", transfer: null });
  });
});

describe("transfers on a call the agent carries", () => {
  it("the say carries the transfer and the hints' keys; the agent's outcome reaches the bot and the record", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const patched = await api(`/api/v1/services/${serviceId}`, {
      method: "PATCH",
      key,
      json: { transferDestinations: ["+1415"], transferFailedMessage: "Nobody is free." },
    });
    const token = patched.body.token as string;
    const { conversation, socket } = await phoneCall(number);

    const keys = { telephony: { action: "dtmf", digits: "1w2#" } };
    expect((await botSends(conversation, token, { body: "Dialling the menu.", hints: JSON.stringify(keys) })).body.reason).toBe("delivered");
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ body: "Dialling the menu.", dtmf: "1w2#" });

    const body = `Please hold. <transfer referto='${BUSY_DESK}' timeoutms=15000>`;
    expect((await botSends(conversation, token, { body })).body.reason).toBe("delivered");
    expect(await socket.next((m) => m.type === "say")).toMatchObject({
      body,
      transfer: { to: BUSY_DESK, timeoutMs: 15000, waitMs: 0, allowed: true },
    });
    // Nothing is simulated for a call an agent carries: the agent reports.
    socket.send({ type: "transfer_result", to: BUSY_DESK, result: "busy", sipStatus: 486 });
    const [, failed] = await deliveredOnce(conversation, 2);
    expect(telephonyOf(failed!)).toEqual({ event: "transfer_failed", called: BUSY_DESK, sipStatus: 486, reason: "busy" });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "active", transfer: { result: "busy" } });

    expect((await botSends(conversation, token, { body: "Trying again.", hints: { telephony: { action: "transfer", info: { called: DESK } } } })).body.reason).toBe("delivered");
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ transfer: { to: DESK, allowed: true } });
    socket.send({ type: "transfer_result", to: DESK, result: "transferred" });
    const [, , last] = await deliveredOnce(conversation, 3);
    expect(last).toMatchObject({ body: "", last: "true" });
    expect(telephonyOf(last!)).toEqual({ event: "transferred", called: DESK });
    expect(await socket.next((m) => m.type === "ended")).toEqual({ type: "ended", reason: "transferred" });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({
      state: "ended",
      endReason: "transferred",
      transfer: { to: DESK, result: "transferred" },
    });
  });

  it("a refused destination is told to the agent (to say the failure sentence) and to the bot at once", async () => {
    const { number, token, key } = await numberedServiceWithBot();
    const { conversation, socket } = await phoneCall(number);
    expect((await botSends(conversation, token, { body: `Transferring. <transfer referto="${DESK}"/>` })).body.reason).toBe("delivered");
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ transfer: { to: DESK, allowed: false } });
    const [, failed] = await deliveredOnce(conversation, 2);
    expect(telephonyOf(failed!)).toMatchObject({ event: "transfer_failed", reason: "destination not allowed" });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body.state).toBe("active");
  });
});

describe("transfers and a dropped agent socket", () => {
  it("a transfer asked for while the agent's socket was down is replayed with its say on resume", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const token = (await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { transferDestinations: ["+1415"] } })).body.token as string;
    const { conversation, socket } = await phoneCall(number);
    socket.ws.close(1011, "network blip");
    const hints = { telephony: { action: "transfer", info: { called: DESK } } };
    expect((await botSends(conversation, token, { body: "Putting you through.", hints })).body.reason).toBe("delivered");
    // An agent call is not simulated, even with no agent socket open for the moment.
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "active", transfer: null });

    const second = (await agent(conversation)).socket!;
    second.send({ type: "resume", lastSayId: 0 });
    expect(await second.next()).toEqual({ type: "resumed", received: 0 });
    expect(await second.next()).toEqual({
      type: "say",
      id: expect.any(Number),
      body: "Putting you through.",
      last: false,
      transfer: { to: DESK, waitMs: 0, allowed: true },
    });
    second.send({ type: "transfer_result", to: DESK, result: "transferred" });
    await deliveredOnce(conversation, 2);
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "ended", endReason: "transferred" });
  });
});

describe("the OpenAPI document", () => {
  it("covers the transfer settings, the call's transfer with its results and the transferred end reason", async () => {
    const text = JSON.stringify((await api("/api/v1/openapi.json")).body);
    for (const field of ['"transferDestinations"', '"transferRules"', '"transferFailedMessage"', '"waitSeconds"', '"transfer"', '"destination not allowed"', '"transferred"']) {
      expect(text, field).toContain(field);
    }
  });
});

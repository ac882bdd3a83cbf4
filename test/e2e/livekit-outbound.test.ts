import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Received, startFakeBot } from "../support/fake-bot.ts";
import { type FakeLiveKit, startFakeLiveKit } from "../support/fake-livekit.ts";
import { type Gateway, callGateway, startGateway, until } from "./server.ts";

// Calls started by the bot with LiveKit configured: the Worker and its Durable Objects under `wrangler dev`, the real
// livekit-server-sdk, a fake LiveKit on loopback that checks grants, and a fake bot.
let fake: FakeLiveKit;
let gateway: Gateway;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let key: string;
const PASSWORD = "outbound-trunk-secret-91c2";
const NUMBER = "+14155552671";

const api = (path: string, init: { method?: string; json?: unknown } = {}) => callGateway(gateway.url, path, { ...init, key });
const send = async (token: string, conversation: string, message: Record<string, unknown>) => {
  const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${token}` },
    body: JSON.stringify(message),
  });
  return (await res.json()) as { success: boolean; reason: string };
};
const receivedBy = async (conversation: string) => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as Received[];

beforeAll(async () => {
  [fake, bot] = await Promise.all([startFakeLiveKit(), startFakeBot()]);
  gateway = await startGateway({
    LIVEKIT_URL: fake.url.replace("http", "ws"),
    LIVEKIT_API_KEY: fake.apiKey,
    LIVEKIT_API_SECRET: fake.apiSecret,
    LIVEKIT_AGENT_NAME: "phonemybot-e2e",
  });
  const res = await callGateway(gateway.url, "/api/v1/accounts", { method: "POST", json: { email: `lko-${crypto.randomUUID()}@example.com`, password: "correct horse battery" } });
  key = res.body.apiKey;
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([fake?.close(), bot?.close()]);
});

describe("calls started by the bot through LiveKit (wrangler dev → fake LiveKit)", () => {
  it("provisions the outbound trunk, dials the callee into a new room with the agent dispatched, and a busy callee (486) gives the bot call_failed", async () => {
    const created = await api("/api/v1/services", { method: "POST", json: { name: "Outbound", language: "en-US" } });
    const id = created.body.id as string;
    const patched = await api(`/api/v1/services/${id}`, {
      method: "PATCH",
      json: {
        numbers: [NUMBER],
        botUrl: `${bot.url}/bot/{conversation}`,
        outbound: { enabled: true, destinations: ["+33"], trunk: { address: "sip.provider.example", username: "pmb", password: PASSWORD } },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.provisioning).toMatchObject({ state: "ok" });
    expect(patched.body.outbound.trunk).toEqual({ address: "sip.provider.example", username: "pmb", passwordSet: true });
    const [trunk] = [...fake.outboundTrunks.values()];
    expect(trunk).toMatchObject({ address: "sip.provider.example", authUsername: "pmb", authPassword: PASSWORD, numbers: [NUMBER] });
    const token = patched.body.token as string;

    // Answered: the call is under way in its room, and LiveKit was asked for the room, the agent and the callee.
    expect(await send(token, "lk-answered", { new: true, to: "+33142685300", body: "Bonjour, ici la pizzeria." })).toEqual({ success: true, reason: "delivered" });
    const call = await until(async () => {
      const view = (await api("/api/v1/calls/lk-answered")).body;
      return view.state === "active" && view;
    }, 15_000, "the call to be answered");
    expect(call).toMatchObject({ direction: "outbound", from: NUMBER, to: "+33142685300", room: "outbound-lk-answered" });
    expect(fake.dispatches).toContainEqual(expect.objectContaining({ agentName: "phonemybot-e2e", room: "outbound-lk-answered" }));
    const dial = fake.requests.find((r) => r.method === "CreateSIPParticipant")!;
    expect(dial.claims.sip?.call).toBe(true);
    expect(dial.body).toMatchObject({ sipTrunkId: trunk!.sipTrunkId, sipCallTo: "+33142685300", sipNumber: NUMBER, roomName: "outbound-lk-answered" });
    // The simulated phone has no say in a call LiveKit dials.
    expect((await api("/api/v1/calls/lk-answered/decline", { method: "POST" })).status).toBe(409);

    // Busy: the bot gets `last` with SIP's answer.
    fake.sipAnswers.set("+33142685399", { sipStatus: 486, reason: "Busy Here" });
    expect((await send(token, "lk-busy", { new: true, to: "+33142685399", body: "Bonjour." })).reason).toBe("delivered");
    const [last] = await until(async () => {
      const got = (await receivedBy("lk-busy")).filter((r) => r.answered === 200);
      return got.length > 0 && got;
    }, 15_000, "the bot's call_failed");
    expect(last!.message).toMatchObject({ last: "true", body: "" });
    expect(JSON.parse(last!.message.hints as string)).toEqual({ telephony: { event: "call_failed", sipStatus: 486, reason: "Busy Here" } });
    expect((await api("/api/v1/calls/lk-busy")).body).toMatchObject({ endReason: "call_failed", failure: { sipStatus: 486, reason: "Busy Here" } });

    // The trunk's password was sent to LiveKit only: nowhere in what the gateway shows or logs.
    const shown = JSON.stringify([(await api(`/api/v1/services/${id}`)).body, (await api(`/api/v1/services/${id}/events`)).body]);
    expect(shown).not.toContain(PASSWORD);
    expect(gateway.logs()).not.toContain(PASSWORD);
  });
  it("the bot hanging up while LiveKit still dials cancels the dial: the room is deleted, the call ends as bot_hangup", async () => {
    const created = await api("/api/v1/services", { method: "POST", json: { name: "Cancel", language: "en-US" } });
    const patched = await api(`/api/v1/services/${created.body.id}`, {
      method: "PATCH",
      json: { numbers: ["+14155552672"], botUrl: `${bot.url}/bot/{conversation}`, outbound: { enabled: true, destinations: ["+33"], trunk: { address: "sip.provider.example" } } },
    });
    expect(patched.body.provisioning).toMatchObject({ state: "ok" });
    const token = patched.body.token as string;
    fake.sipRinging.set("+33142685377", 3000);
    expect((await send(token, "lk-cancelled", { new: true, to: "+33142685377", body: "Bonjour." })).reason).toBe("delivered");
    await until(async () => fake.requests.some((r) => r.method === "CreateSIPParticipant" && r.body.roomName === "outbound-lk-cancelled"), 10_000, "the dial");
    expect((await api("/api/v1/calls/lk-cancelled")).body.state).toBe("ringing");
    expect((await send(token, "lk-cancelled", { body: "", last: true })).reason).toBe("delivered");
    await until(async () => fake.requests.some((r) => r.method === "DeleteRoom" && r.body.room === "outbound-lk-cancelled"), 10_000, "the room deleted");
    expect(fake.rooms.has("outbound-lk-cancelled")).toBe(false);
    // The dial's late 487 changes nothing: the bot hung up.
    await new Promise((r) => setTimeout(r, 3500));
    expect((await api("/api/v1/calls/lk-cancelled")).body).toMatchObject({ state: "ended", endReason: "bot_hangup", failure: null });
  });
});

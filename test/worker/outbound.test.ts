import { describe, expect, it } from "vitest";
import { api, botSends, deliveredOnce, eventually, freshNumber, say, serviceWithBot } from "./helpers.ts";

/** A service with a bot, a number, and outbound calls set as given (enabled to +33 and +1415 unless said). */
async function outboundService(outbound: Record<string, unknown> = {}) {
  const service = await serviceWithBot();
  const number = freshNumber();
  const res = await api(`/api/v1/services/${service.serviceId}`, {
    method: "PATCH",
    key: service.key,
    json: { numbers: [number], outbound: { enabled: true, destinations: ["+33", "+1415"], maxConcurrent: 2, ...outbound } },
  });
  if (res.status !== 200) throw new Error(`outbound set-up: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...service, token: res.body.token as string, number };
}

const callee = "+33142685300";
const newId = () => `bot-${crypto.randomUUID()}`;
const start = (token: string, conversation: string, extra: Record<string, unknown> = {}) =>
  botSends(conversation, token, { new: "true", to: callee, body: "Hello, this is your pizza place.", ...extra });

describe("outbound settings (protocol/settings/outbound.ts)", () => {
  it("are off by default, saved field by field, and the trunk password is write-only: never shown, kept when a PATCH leaves it out", async () => {
    const { key, serviceId } = await serviceWithBot();
    const path = `/api/v1/services/${serviceId}`;
    expect((await api(path, { key })).body.outbound).toEqual({
      enabled: false,
      destinations: [],
      maxConcurrent: 2,
      trunk: { address: "", username: "", passwordSet: false },
    });
    const patched = await api(path, {
      method: "PATCH",
      key,
      json: { outbound: { enabled: true, destinations: ["+33", "gb"], trunk: { address: "sip.example.com:5060", username: "pmb", password: "s3cret-trunk-pw" } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.outbound).toEqual({
      enabled: true,
      destinations: ["+33", "GB"],
      maxConcurrent: 2,
      trunk: { address: "sip.example.com:5060", username: "pmb", passwordSet: true },
    });
    await api(path, { method: "PATCH", key, json: { outbound: { maxConcurrent: 5, trunk: { username: "other" } } } });
    const read = await api(path, { key });
    expect(read.body.outbound).toEqual({
      enabled: true,
      destinations: ["+33", "GB"],
      maxConcurrent: 5,
      trunk: { address: "sip.example.com:5060", username: "other", passwordSet: true },
    });
    const everything = JSON.stringify([read.body, (await api(`${path}/events`, { key })).body, (await api("/api/v1/services", { key })).body]);
    expect(everything).not.toContain("s3cret-trunk-pw");
    expect(everything).not.toContain('"password"');
  });

  it("are in the OpenAPI document: the write-only password in PATCH, passwordSet in GET; calls' direction and the simulated phone's paths", async () => {
    const doc = (await api("/api/v1/openapi.json")).body;
    const text = JSON.stringify(doc);
    for (const path of ["/api/v1/calls/{conversation}/answer", "/api/v1/calls/{conversation}/decline", "/api/v1/calls/{conversation}/voice-answer"]) {
      expect(doc.paths[path]?.post, path).toBeDefined();
    }
    const patchSchema = JSON.stringify(doc.paths["/api/v1/services/{id}"].patch.requestBody);
    expect(patchSchema).toContain('"maxConcurrent"');
    expect(patchSchema).toContain('"password"');
    const getSchema = JSON.stringify(doc.paths["/api/v1/services/{id}"].get.responses);
    expect(getSchema).toContain('"passwordSet"');
    expect(getSchema).not.toContain('"password"');
    expect(text).toContain('"call_failed"');
    expect(JSON.stringify(doc.paths["/api/v1/calls/{conversation}"].get.responses)).toContain('"direction"');
  });

  it("refuses bad values with a 400 naming the field", async () => {
    const { key, serviceId } = await serviceWithBot();
    const bad = async (outbound: unknown) => {
      const res = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { outbound } });
      expect(res.status).toBe(400);
      return res.body.details.map((d: { field: string }) => d.field);
    };
    expect(await bad({ destinations: ["33"] })).toEqual(["outbound.destinations.0"]);
    expect(await bad({ maxConcurrent: 0 })).toEqual(["outbound.maxConcurrent"]);
    expect(await bad({ trunk: { address: "sip:provider.example.com" } })).toEqual(["outbound.trunk.address"]);
    expect(await bad({ enabled: "yes" })).toEqual(["outbound.enabled"]);
  });
});

describe("calls started by the bot (send API with new)", () => {
  it("keep `start not allowed` while outbound calls are off, and check the token first", async () => {
    const { token } = await serviceWithBot();
    expect((await start(token, newId())).body).toEqual({ success: false, reason: "start not allowed" });
    expect((await start(token, "not a valid id!")).body.reason).toBe("start not allowed");
    expect((await start("not-a-token", newId())).body.reason).toBe("authorization fail");
  });

  it("ring on the simulated phone, are listed as ringing, and once answered the callee has heard the body and their words reach the bot", async () => {
    const { key, serviceId, token, number } = await outboundService();
    const conversation = newId();
    const placed = await start(token, conversation, { opaque: "order-42" });
    expect(placed).toEqual({ status: 200, body: { success: true, reason: "delivered" } });

    const ringing = (await api(`/api/v1/services/${serviceId}/calls?state=ringing`, { key })).body;
    expect(ringing).toEqual([expect.objectContaining({ conversation, state: "ringing", direction: "outbound", from: number, to: callee })]);
    expect((await api(`/api/v1/services/${serviceId}/calls?state=active`, { key })).body).toEqual([]);
    expect((await api(`/api/v1/services/${serviceId}/calls?state=bogus`, { key })).status).toBe(400);

    const answered = await api(`/api/v1/calls/${conversation}/answer`, { method: "POST", key });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ state: "active", direction: "outbound", failure: null, endReason: null });
    expect(answered.body.messages).toEqual([expect.objectContaining({ direction: "from_bot", body: "Hello, this is your pizza place." })]);
    expect((await api(`/api/v1/calls/${conversation}/answer`, { method: "POST", key })).status).toBe(409);

    expect((await say(key, conversation, "yes, that is me")).status).toBe(202);
    const [heard] = await deliveredOnce(conversation, 1);
    expect(heard).toMatchObject({ body: "yes, that is me", new: "false", last: "false", from: number, to: callee, opaque: "order-42", conversation });
    expect((await botSends(conversation, token, { body: "Great. Goodbye.", last: true })).body.reason).toBe("delivered");
    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "ended", endReason: "bot_hangup", direction: "outbound" });
  });

  it("declined: the call ends as call_failed (SIP 603) and the bot gets last with hints.telephony as a JSON string", async () => {
    const { key, serviceId, token } = await outboundService();
    const conversation = newId();
    expect((await start(token, conversation)).body.reason).toBe("delivered");
    expect((await api(`/api/v1/calls/${conversation}/decline`, { method: "POST", key })).status).toBe(200);
    const [last] = await deliveredOnce(conversation, 1);
    expect(last).toMatchObject({ body: "", last: "true", conversation });
    expect(JSON.parse(last!.hints as string)).toEqual({ telephony: { event: "call_failed", sipStatus: 603, reason: "declined" } });
    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "ended", endReason: "call_failed", failure: { sipStatus: 603, reason: "declined" } });
    const [listed] = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(listed).toMatchObject({ conversation, direction: "outbound", endReason: "call_failed", failure: { sipStatus: 603 } });
    expect((await api(`/api/v1/calls/${conversation}/decline`, { method: "POST", key })).status).toBe(409);
    // A call that was never connected is not counted or billed.
    expect((await api(`/api/v1/services/${serviceId}/usage`, { key })).body.calls).toBe(0);
  });

  it("not answered in time: call_failed with 480 no answer", async () => {
    const { key, token } = await outboundService();
    const conversation = newId();
    await start(token, conversation);
    const [last] = await deliveredOnce(conversation, 1, 10_000);
    expect(JSON.parse(last!.hints as string)).toEqual({ telephony: { event: "call_failed", sipStatus: 480, reason: "no answer" } });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ endReason: "call_failed", failure: { sipStatus: 480 } });
  });

  it("refuse a destination outside the allowed prefixes or countries, a from that is not the service's, a malformed or reused id", async () => {
    const { token, number } = await outboundService({ destinations: ["+1415", "FR"] });
    expect((await start(token, newId(), { to: "+442071838750" })).body).toEqual({ success: false, reason: "rejected" });
    expect((await start(token, newId(), { to: "not a number" })).body.reason).toBe("rejected");
    expect((await start(token, newId(), { to: undefined })).body.reason).toBe("rejected");
    expect((await start(token, newId(), { from: "+14155550199" })).body.reason).toBe("rejected");
    expect((await start(token, "bad id!")).status).toBe(400);
    expect((await start(token, newId(), { body: "", last: true })).body.reason).toBe("rejected");
    expect((await start(token, newId(), { body: "Hello.", last: true })).body.reason).toBe("rejected");
    // FR as a country takes a French number; the service's own number as `from` is fine.
    const id = newId();
    expect((await start(token, id, { from: number })).body.reason).toBe("delivered");
    expect((await start(token, id)).body).toEqual({ success: false, reason: "rejected" });
  });

  it("refuse an id another service's call has", async () => {
    const mine = await outboundService();
    const theirs = await outboundService();
    const id = newId();
    expect((await start(theirs.token, id)).body.reason).toBe("delivered");
    expect((await start(mine.token, id)).body.reason).toBe("rejected");
    expect((await api(`/api/v1/services/${mine.serviceId}/calls`, { key: mine.key })).body).toEqual([]);
  });

  it("refuse more than maxConcurrent outbound calls at once; a place frees up when one ends", async () => {
    const { key, token } = await outboundService({ maxConcurrent: 2 });
    const [a, b, c] = [newId(), newId(), newId()];
    const answers = await Promise.all([start(token, a), start(token, b), start(token, c)]);
    expect(answers.map((r) => r.body.reason).sort()).toEqual(["delivered", "delivered", "rejected"]);
    const placed = [a, b, c].filter((_, i) => answers[i]!.body.reason === "delivered");
    await api(`/api/v1/calls/${placed[0]}/decline`, { method: "POST", key });
    expect((await start(token, newId())).body.reason).toBe("delivered");
  });

  it("take the bot's messages while ringing (spoken once answered), and the bot may hang up before an answer", async () => {
    const { key, token } = await outboundService();
    const conversation = newId();
    await start(token, conversation);
    expect((await botSends(conversation, token, { body: "Second sentence." })).body.reason).toBe("delivered");
    expect((await botSends(conversation, token, { body: "", last: true })).body.reason).toBe("delivered");
    const call = await eventually(async () => {
      const view = (await api(`/api/v1/calls/${conversation}`, { key })).body;
      return view.state === "ended" && view;
    });
    expect(call).toMatchObject({ endReason: "bot_hangup", failure: null });
    expect((await api(`/api/v1/calls/${conversation}/answer`, { method: "POST", key })).status).toBe(409);
  });
});

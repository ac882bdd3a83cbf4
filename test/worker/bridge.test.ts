import { DEFAULT_SETTINGS_VIEW } from "../../protocol/service-settings.ts";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GatewayToAgent, GatewayToChat } from "../../protocol/bridge.ts";
import { api, botSends, createService, deliveredOnce, eventually, freshNumber, register, serviceWithBot, startCall } from "./helpers.ts";
import { agent, connect, numberedServiceWithBot } from "./sockets.ts";

describe("the agent's socket onto a call", () => {
  it("refuses a wrong agent secret", async () => {
    expect((await agent(crypto.randomUUID(), "wrong")).status).toBe(401);
    expect((await SELF.fetch(`http://gateway.test/agent/v1/conversations/${crypto.randomUUID()}`, { headers: { authorization: "Bearer test-agent-secret" } })).status).toBe(426);
  });

  it("starts a call by the called number, carries transcripts and DTMF to the bot and the bot's words back, in order", async () => {
    const { number, token, serviceId, key } = await numberedServiceWithBot();
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    expect(await socket!.next()).toEqual({ type: "started", conversation, serviceId, language: "en-US", testMode: false, settings: DEFAULT_SETTINGS_VIEW, accountId: expect.stringMatching(/^acc_/) });

    socket!.send({ type: "transcript", text: "I would like a pizza" });
    socket!.send({ type: "dtmf", digits: "42#" });
    const messages = await deliveredOnce(conversation, 3);
    expect(messages.map((m) => [m.body, m.new, m.dtmf])).toEqual([
      ["", "true", undefined],
      ["I would like a pizza", "false", undefined],
      ["", "false", "42#"],
    ]);
    expect(messages[0]).toMatchObject({ from: "+442071838750", to: number });

    for (const body of ["One", "Two", "Three"]) expect((await botSends(conversation, token, { body })).body.reason).toBe("delivered");
    const said = [await socket!.next(), await socket!.next(), await socket!.next()];
    expect(said.map((m) => m.type === "say" && m.body)).toEqual(["One", "Two", "Three"]);

    // The caller talked over "Three": the transcript keeps what was heard.
    const three = said[2] as Extract<GatewayToAgent, { type: "say" }>;
    socket!.send({ type: "interrupted", id: three.id, spokenText: "Thr" });
    // Reports add up before they are rounded: a second made of short reports is not lost.
    socket!.send({ type: "usage", sttSeconds: 60.4, ttsCharacters: 1000 });
    socket!.send({ type: "usage", sttSeconds: 0.4, ttsCharacters: 200 });
    await botSends(conversation, token, { body: "Bye", last: "true" });
    expect(await socket!.next()).toMatchObject({ type: "say", body: "Bye", last: true });
    socket!.send({ type: "finished" });
    await eventually(async () => socket!.isClosed());

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call).toMatchObject({ state: "ended", endReason: "bot_hangup" });
    expect(call.messages.find((m: { body: string }) => m.body === "Three")).toMatchObject({ direction: "from_bot", spokenText: "Thr" });
    const today = new Date().toISOString().slice(0, 10);
    const usage = (await api(`/api/v1/services/${serviceId}/usage?from=${today}&to=${today}`, { key })).body;
    expect(usage).toMatchObject({ sttSeconds: 61, ttsCharacters: 1200 });
  });

  it("keeps the agent's order over 120 interleaved transcripts and keys, through retries", async () => {
    // The bot fails the first 3 requests: the queue backs off and retries while the agent keeps sending.
    const bot = await serviceWithBot("fail=3");
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", serviceId: bot.serviceId, transport: "browser" });
    expect(await socket!.next()).toMatchObject({ type: "started" });
    const sent = Array.from({ length: 120 }, (_, i) => (i % 3 === 2 ? { type: "dtmf", digits: `${i % 10}#` } : { type: "transcript", text: `turn ${i}` }));
    for (const message of sent) socket!.send(message);
    const delivered = await deliveredOnce(conversation, sent.length + 1, 20_000);
    const expected = sent.map((m) => (m.type === "dtmf" ? ["", m.digits] : [m.text, undefined]));
    expect(delivered.slice(1).map((m) => [m.body, m.dtmf])).toEqual(expected);
    expect(delivered[0]).toMatchObject({ new: "true" });
  });

  it("ends the call and tells the bot when the agent's socket drops", async () => {
    const { number } = await numberedServiceWithBot();
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    await socket!.next();
    socket!.ws.close(1011, "agent crashed");
    const messages = await deliveredOnce(conversation, 2);
    expect(messages[1]).toMatchObject({ last: "true", body: "" });
  });

  it("resumes a call whose agent socket dropped: nothing the agent sent is applied twice, and what the bot said meanwhile is replayed", async () => {
    const { serviceId, token, key } = await serviceWithBot();
    const conversation = crypto.randomUUID();
    const first = (await agent(conversation)).socket!;
    first.send({ type: "start", from: "+442071838750", serviceId, transport: "browser" });
    await first.next();
    first.send({ type: "transcript", text: "before the drop" });
    expect((await botSends(conversation, token, { body: "Heard" })).body.reason).toBe("delivered");
    const heard = await first.next((m) => m.type === "say");
    first.ws.close(1011, "network blip");
    // Said while no agent is connected: kept for the agent.
    expect((await botSends(conversation, token, { body: "While you were away" })).body.reason).toBe("delivered");

    const second = (await agent(conversation)).socket!;
    second.send({ type: "resume", lastSayId: (heard as Extract<GatewayToAgent, { type: "say" }>).id });
    expect(await second.next()).toEqual({ type: "resumed", received: 1 });
    expect(await second.next()).toMatchObject({ type: "say", body: "While you were away", last: false });
    // The call goes on over the new socket.
    second.send({ type: "transcript", text: "after the drop" });
    const delivered = await deliveredOnce(conversation, 3);
    expect(delivered.map((m) => m.body)).toEqual(["", "before the drop", "after the drop"]);
    // Longer than the grace (1 s in vitest.config.ts): the call is still on.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body.state).toBe("active");
    second.send({ type: "hangup" });
    await eventually(async () => (await api(`/api/v1/calls/${conversation}`, { key })).body.endReason === "caller_hangup");
  });

  it("answers a resume of a call that ended meanwhile with its end, and a resume of an unknown call with an error", async () => {
    const { serviceId, token } = await serviceWithBot();
    const conversation = crypto.randomUUID();
    const first = (await agent(conversation)).socket!;
    first.send({ type: "start", from: "+442071838750", serviceId, transport: "browser" });
    await first.next();
    first.ws.close(1011, "network blip");
    await botSends(conversation, token, { body: "", last: true });
    const second = (await agent(conversation)).socket!;
    second.send({ type: "resume", lastSayId: 0 });
    expect(await second.next()).toEqual({ type: "ended", reason: "bot_hangup" });
    await eventually(async () => second.isClosed());

    const unknown = (await agent(crypto.randomUUID())).socket!;
    unknown.send({ type: "resume", lastSayId: 0 });
    expect(await unknown.next()).toEqual({ type: "error", reason: "not_started" });
    await eventually(async () => unknown.isClosed());
  });

  it("tells the agent when a message could not be delivered to the bot for good (the caller hears an apology)", async () => {
    const { serviceId, key } = await serviceWithBot("status=500");
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", serviceId, transport: "browser" });
    expect(await socket!.next()).toMatchObject({ type: "started" });
    // vitest.config.ts: retries after 150, 300 and 600 ms, then the message has failed for good.
    expect(await socket!.next((m) => m.type === "delivery_failed")).toEqual({ type: "delivery_failed" });
    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call.messages[0]).toMatchObject({ direction: "to_bot", delivery: "failed", attempts: 4 });
  });

  it.each([
    [{ type: "hangup" }, "caller_hangup"],
    [{ type: "hangup", reason: "pin_failed" }, "pin_failed"],
    [{ type: "hangup", reason: "speech_failed" }, "speech_failed"],
  ] as const)("records why the agent hung up (%j → %s) and tells the bot", async (hangup, endReason) => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    await socket!.next();
    socket!.send(hangup);
    const messages = await deliveredOnce(conversation, 2);
    expect(messages[1]).toMatchObject({ last: "true", body: "" });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "ended", endReason });
    // The service's call log (monitoring) says the same.
    const calls = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body as { conversation: string; endReason: string }[];
    expect(calls.find((c) => c.conversation === conversation)).toMatchObject({ endReason });
  });

  it("answers an unknown number and bad messages with errors, not crashes", async () => {
    const { socket } = await agent(crypto.randomUUID());
    socket!.send({ type: "transcript", text: "before start" });
    expect(await socket!.next()).toEqual({ type: "error", reason: "not_started" });
    socket!.send({ type: "nonsense" });
    expect(await socket!.next()).toEqual({ type: "error", reason: "bad_message" });
    socket!.ws.send("not json");
    expect(await socket!.next()).toEqual({ type: "error", reason: "bad_message" });
    socket!.send({ type: "start", from: "+442071838750", to: "+15005550006", transport: "sip" });
    expect(await socket!.next()).toEqual({ type: "error", reason: "service_not_found" });
  });
});

describe("test mode: the TEST PIN and the chat window", () => {
  it("bridges a call that keys the right PIN to the test chat, which plays the bot", async () => {
    const { apiKey: key } = await register();
    const service = await createService(key);
    const number = freshNumber();
    await api(`/api/v1/services/${service.id}`, { method: "PATCH", key, json: { numbers: [number] } });
    const session = (await api(`/api/v1/services/${service.id}/test-sessions`, { method: "POST", key })).body;
    expect(session).toMatchObject({ state: "waiting", conversation: null });
    expect(session.pin).toMatch(/^[0-9]{4}$/);

    const conversation = crypto.randomUUID();
    const { socket: caller } = await agent(conversation);
    caller!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    expect(await caller!.next()).toMatchObject({ type: "started", testMode: true, language: "en-US" });
    const wrong = session.pin === "0000" ? "1111" : "0000";
    caller!.send({ type: "pin", pin: wrong });
    expect(await caller!.next()).toEqual({ type: "pin_result", ok: false, attemptsLeft: 2 });
    caller!.send({ type: "pin", pin: session.pin });
    expect(await caller!.next()).toEqual({ type: "pin_result", ok: true, attemptsLeft: 0 });
    const bridged = (await api(`/api/v1/services/${service.id}/test-sessions/${session.id}`, { key })).body;
    expect(bridged).toMatchObject({ state: "connected", conversation });
    expect(bridged.pin).toBeUndefined();

    const { socket: chat } = await connect<GatewayToChat>(`/api/v1/calls/${conversation}/chat`, { authorization: `Bearer ${key}` });
    const snapshot = await chat!.next();
    expect(snapshot).toMatchObject({ type: "snapshot", call: { conversation, state: "active" } });

    caller!.send({ type: "transcript", text: "hello from the phone" });
    expect(await chat!.next((m) => m.type === "message" && m.message.body === "hello from the phone")).toBeTruthy();
    chat!.send({ type: "say", body: "Hello from the chat window" });
    expect(await caller!.next()).toMatchObject({ type: "say", body: "Hello from the chat window", last: false });
    chat!.send({ type: "say", body: "Goodbye", last: true });
    expect(await caller!.next()).toMatchObject({ type: "say", body: "Goodbye", last: true });
    expect(await chat!.next((m) => m.type === "ended")).toEqual({ type: "ended", reason: "bot_hangup" });

    // The PIN was for one call only.
    const other = await startCall(key, service.id);
    expect((await api(`/api/v1/calls/${other}/pin`, { method: "POST", key, json: { pin: session.pin } })).body).toEqual({ ok: false, attemptsLeft: 2 });
  });

  it("allows three PIN attempts per call", async () => {
    const { apiKey: key } = await register();
    const service = await createService(key);
    const session = (await api(`/api/v1/services/${service.id}/test-sessions`, { method: "POST", key })).body;
    const conversation = await startCall(key, service.id);
    const wrong = session.pin === "0000" ? "1111" : "0000";
    const tries = [];
    for (const pin of [wrong, wrong, wrong, session.pin]) {
      tries.push((await api(`/api/v1/calls/${conversation}/pin`, { method: "POST", key, json: { pin } })).body);
    }
    expect(tries).toEqual([
      { ok: false, attemptsLeft: 2 },
      { ok: false, attemptsLeft: 1 },
      { ok: false, attemptsLeft: 0 },
      { ok: false, attemptsLeft: 0 },
    ]);
    expect((await api(`/api/v1/calls/${conversation}/pin`, { method: "POST", key, json: { pin: "12" } })).status).toBe(400);
  });

  it("refuses the chat to an account that does not own the call", async () => {
    const owner = await serviceWithBot();
    const conversation = await startCall(owner.key, owner.serviceId);
    const { apiKey: intruder } = await register();
    const { status } = await connect(`/api/v1/calls/${conversation}/chat`, { authorization: `Bearer ${intruder}` });
    expect(status).toBe(404);
  });
});

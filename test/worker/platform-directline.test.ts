import { describe, expect, inject, it } from "vitest";
import { api, eventually, freshNumber, say, startCall } from "./helpers.ts";
import { agent } from "./sockets.ts";
import { botSaid, firstSettled, goodbyeEndsTheCall, platformLog, serviceOnPlatform } from "./platforms.ts";

const SECRET = "dl-secret.fake_0123456789";
const directLine = (behaviour = "_", secret = SECRET) => ({
  botType: "directline",
  botUrl: `${inject("fakeDirectLineUrl")}/${behaviour}/v3/directline`,
  directLineSecret: secret,
});

/** The activities this call posted to the fake Direct Line. */
const posted = async (conversation: string) =>
  (await platformLog(inject("fakeDirectLineUrl"))).filter((r) => r.method === "POST" && r.body?.channelData?.conversation === conversation);

describe("a service whose bot is a Bot Framework bot (Direct Line 3.0)", () => {
  it("starts a Direct Line conversation, posts the caller's turns as activities and reads the bot's with the watermark", async () => {
    const { key, serviceId } = await serviceOnPlatform(directLine());
    const conversation = await startCall(key, serviceId, "+14155550111");
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Bot Framework pizzeria.", last: false }]);

    await say(key, conversation, "a margherita");
    expect((await botSaid(key, conversation, 3)).slice(1)).toEqual([
      { body: "You said: a margherita", last: false },
      { body: "<speak>Anything else?</speak>", last: false },
    ]);
    const ended = await goodbyeEndsTheCall(key, conversation);
    expect(ended.messages.filter((m) => m.direction === "from_bot").at(-1)).toMatchObject({ body: "Goodbye!", last: true });

    const activities = (await posted(conversation)).map((r) => r.body);
    expect(activities.map((a) => [a.type, a.name ?? a.text])).toEqual([
      ["event", "conversationStart"],
      ["message", "a margherita"],
      ["message", "goodbye"],
    ]);
    expect(activities[0]).toMatchObject({ from: { id: "+14155550111", role: "user" }, locale: "en-US" });
    const log = await platformLog(inject("fakeDirectLineUrl"));
    const conversationId = /conversations\/([^/]+)\/activities/.exec(
      log.find((r) => r.body?.channelData?.conversation === conversation)!.path,
    )![1];
    const reads = log.filter((r) => r.method === "GET" && r.path.includes(conversationId!));
    expect(reads.every((r) => r.authorization === `Bearer ${SECRET}`)).toBe(true);
    // After the first read, each read carries the watermark it was given.
    expect(reads.slice(1).every((r) => /\?watermark=\d+$/.test(r.path))).toBe(true);
  });

  it("sends the caller's keys as a DTMF event; the bot's transfer event becomes a transfer; the agent never gets the secret", async () => {
    const number = freshNumber();
    await serviceOnPlatform({ ...directLine(), numbers: [number] });
    const conversation = crypto.randomUUID();
    const socket = (await agent(conversation)).socket!;
    socket.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    const started = await socket.next();
    expect(started).toMatchObject({ type: "started", settings: { botType: "directline", directLineSecretSet: true } });
    expect(JSON.stringify(started)).not.toContain(SECRET);
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ body: "Welcome to the Bot Framework pizzeria." });

    socket.send({ type: "dtmf", digits: "42#" });
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ body: "You pressed 42#" });
    const dtmf = (await posted(conversation)).map((r) => r.body).find((a) => a.name === "DTMF");
    expect(dtmf).toMatchObject({ type: "event", name: "DTMF", value: "42#" });

    socket.send({ type: "transcript", text: "agent" });
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ body: "Transferring." });
    expect(await socket.next((m) => m.type === "say")).toMatchObject({ body: '<transfer referto="+14155550199"/>', last: false });
  });

  it("tells Direct Line when the caller hangs up (endOfConversation)", async () => {
    const { key, serviceId } = await serviceOnPlatform(directLine());
    const conversation = await startCall(key, serviceId);
    await botSaid(key, conversation, 1);
    await api(`/api/v1/calls/${conversation}`, { method: "DELETE", key });
    const types = await eventually(async () => {
      const sent = (await posted(conversation)).map((r) => r.body.type);
      return sent.length === 2 && sent;
    });
    expect(types).toEqual(["event", "endOfConversation"]);
  });

  it("still tells Direct Line the call ended when the service is deleted mid-call (its secret already erased)", async () => {
    const { key, serviceId } = await serviceOnPlatform(directLine());
    const conversation = await startCall(key, serviceId);
    await botSaid(key, conversation, 1);
    expect((await api(`/api/v1/services/${serviceId}`, { method: "DELETE", key })).status).toBe(204);
    const types = await eventually(async () => {
      const sent = (await posted(conversation)).map((r) => r.body.type);
      return sent.length === 2 && sent;
    });
    expect(types).toEqual(["event", "endOfConversation"]);
  });

  it("records a wrong secret (403) at once, and retries Direct Line's 5xx", async () => {
    const wrong = await serviceOnPlatform(directLine("_", "not-the-secret"));
    const refused = await firstSettled(wrong.key, await startCall(wrong.key, wrong.serviceId));
    expect(refused.messages[0]).toMatchObject({ delivery: "failed", attempts: 1, error: "Direct Line answered HTTP 403: Invalid token or secret" });

    const flaky = await serviceOnPlatform(directLine("fail=1"));
    const conversation = await startCall(flaky.key, flaky.serviceId);
    expect((await firstSettled(flaky.key, conversation)).messages[0]).toMatchObject({ delivery: "delivered", attempts: 2 });
    expect(await botSaid(flaky.key, conversation, 1)).toEqual([{ body: "Welcome to the Bot Framework pizzeria.", last: false }]);
  });

  it("retries only the read when reading the bot's activities failed: the caller's words are posted once", async () => {
    const { key, serviceId } = await serviceOnPlatform(directLine("readfail=1"));
    const conversation = await startCall(key, serviceId);
    const first = await firstSettled(key, conversation);
    expect(first.messages[0]).toMatchObject({ delivery: "delivered", attempts: 2 });
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Bot Framework pizzeria.", last: false }]);
    expect((await posted(conversation)).map((r) => r.body.name)).toEqual(["conversationStart"]);
  });

  it("keeps the secret write-only: GET says it is set, never what it is", async () => {
    const { key, serviceId, service } = await serviceOnPlatform(directLine());
    expect(service).toMatchObject({ botType: "directline", directLineSecretSet: true });
    const shown = await api(`/api/v1/services/${serviceId}`, { key });
    expect(shown.body).toMatchObject({ botType: "directline", directLineSecretSet: true });
    expect(JSON.stringify(shown.body)).not.toContain(SECRET);

    // Removing the secret of a Direct Line bot, or switching to Direct Line without one, is refused naming the field.
    const removed = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { directLineSecret: null } });
    expect(removed.status).toBe(400);
    expect(removed.body.details).toEqual([{ field: "directLineSecret", message: "a Direct Line bot needs its Direct Line secret" }]);
    const other = await serviceOnPlatform({ botType: "rasa", botUrl: `${inject("fakeRasaUrl")}/_` });
    const switched = await api(`/api/v1/services/${other.serviceId}`, { method: "PATCH", key: other.key, json: { botType: "directline" } });
    expect(switched.status).toBe(400);
    expect(switched.body.details[0].field).toBe("directLineSecret");

    // "Reset demo mode" forgets the bot platform and its secret, as it forgets a bot's URL and token.
    const reset = await api(`/api/v1/services/${serviceId}/reset-demo`, { method: "POST", key });
    expect(reset.body).toMatchObject({ demo: true, botType: "messaging-api", directLineSecretSet: false });
  });
});

import { describe, expect, it } from "vitest";
import type { GatewayToAgent } from "../../protocol/bridge.ts";
import { conversationSettings } from "../../protocol/settings/conversation.ts";
import { api, botSends, createService, deliveredOnce, eventually, register } from "./helpers.ts";
import { numberedServiceWithBot, phoneCall } from "./sockets.ts";

const fieldsOf = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field).sort();

describe("conversation settings (protocol/settings/conversation.ts)", () => {
  it("shows every default, saves a PATCH and refuses bad values with 400 naming each field", async () => {
    const { apiKey: key } = await register();
    const { id } = await createService(key);
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject(conversationSettings.defaults);

    const change = {
      greeting: "Hello, one moment while I get the menu.",
      silenceSeconds: 6,
      silenceMessages: ["Are you there?", "Hello?"],
      silenceMaxReprompts: 3,
      silenceEndsCall: true,
      silenceNotifyBot: true,
      botSlowSeconds: 4,
      botSlowMessages: ["Let me check."],
      botGiveUpSeconds: 20,
      botGiveUpMessage: "Sorry, please call back later.",
      botGiveUpEndsCall: true,
      noMatchConfidence: 0.4,
      noMatchMessages: ["Sorry?"],
      yesNoAlternatives: true,
      yesWords: ["roger"],
      noWords: ["negative"],
      repeatPattern: "repeat|say that again|pardon",
      bargeIn: "speech",
      speechKeyterms: ["Margherita", "calzone"],
      endOfPromptNotice: true,
      staleReplies: "drop",
    };
    const patched = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: change });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject(change);
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject(change);

    const bad = await api(`/api/v1/services/${id}`, {
      method: "PATCH",
      key,
      json: {
        repeatPattern: "say (that again",
        silenceSeconds: 500,
        botSlowSeconds: 0,
        botGiveUpSeconds: 2,
        noMatchConfidence: 1.5,
        silenceMaxReprompts: 0,
        bargeIn: "sometimes",
        staleReplies: "later",
        silenceMessages: ["x".repeat(501)],
      },
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(
      ["bargeIn", "botGiveUpSeconds", "botSlowSeconds", "noMatchConfidence", "repeatPattern", "silenceMaxReprompts", "silenceMessages.0", "silenceSeconds", "staleReplies"].sort(),
    );
    expect(bad.body.details.find((d: { field: string }) => d.field === "repeatPattern").message).toMatch(/regular expression/);
    // Nothing of a refused PATCH is kept.
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject(change);
    // 0 turns the silence reprompts and the give-up off.
    const off = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { silenceSeconds: 0, botGiveUpSeconds: 0 } });
    expect(off.body).toMatchObject({ silenceSeconds: 0, botGiveUpSeconds: 0 });

    // In the OpenAPI document, for PATCH and GET alike.
    const doc = JSON.stringify((await api("/api/v1/openapi.json")).body);
    for (const field of Object.keys(conversationSettings.defaults)) expect(doc.split(`"${field}"`).length - 1, field).toBeGreaterThanOrEqual(2);
    expect(doc).toContain(`"speak_if_latest"`);
  });

  it("numbers the caller's turns on our messages, carries the bot's hints to the agent, and tells the bot of notices and silence", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const { token } = (await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { silenceSeconds: 5, staleReplies: "drop" } })).body;
    const { conversation, socket } = await phoneCall(number);
    socket.send({ type: "transcript", text: "a table for two", turn: 1 });
    socket.send({ type: "notice", event: "reprompt" });
    socket.send({ type: "transcript", text: "at eight", turn: 2 });
    // Flux's eager end of turn: turn 2 went early and the caller went on; the longer words are turn 3.
    socket.send({ type: "notice", event: "turn_resumed", turn: 2 });
    socket.send({ type: "transcript", text: "at eight thirty", turn: 3 });
    const messages = await deliveredOnce(conversation, 6);
    expect(messages.slice(1).map((m) => [m.body, m.hints === undefined ? undefined : JSON.parse(m.hints as string)])).toEqual([
      ["a table for two", { turn: 1 }],
      ["", { event: "reprompt" }],
      ["at eight", { turn: 2 }],
      ["", { event: "turn_resumed", turn: 2 }],
      ["at eight thirty", { turn: 3 }],
    ]);

    const hints = { inReplyTo: 1, bargein: false, stt: { keyterms: ["eight", "nine"] } };
    expect((await botSends(conversation, token, { body: "For two, noted.", hints: JSON.stringify(hints) })).body.reason).toBe("delivered");
    const say = (await socket.next((m) => m.type === "say")) as Extract<GatewayToAgent, { type: "say" }>;
    expect(say).toMatchObject({ body: "For two, noted.", inReplyTo: 1, bargeIn: false, keyterms: ["eight", "nine"] });

    socket.send({ type: "notice", event: "endofprompt", id: say.id });
    socket.send({ type: "hangup", reason: "silence_timeout" });
    const all = await deliveredOnce(conversation, 8);
    expect(all.slice(6).map((m) => [m.body, m.last, JSON.parse(m.hints as string)])).toEqual([
      ["", "false", { event: "endofprompt" }],
      ["", "true", { event: "silence_timeout" }],
    ]);
    const call = await eventually(async () => {
      const c = (await api(`/api/v1/calls/${conversation}`, { key })).body;
      return c.state === "ended" && c;
    });
    expect(call.endReason).toBe("silence_timeout");
  });
});

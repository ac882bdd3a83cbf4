import { describe, expect, it } from "vitest";
import { api, botSends, serviceWithBot, startCall } from "./helpers.ts";
import { agent, numberedServiceWithBot } from "./sockets.ts";

describe("the call record", () => {
  it("keeps the LiveKit room the agent names in start, and shows it on GET /calls/{conversation}", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip", room: "sip-+442071838750-abc123" });
    expect(await socket!.next()).toMatchObject({ type: "started" });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ conversation, room: "sip-+442071838750-abc123" });
    // The service's call list stays a summary.
    const calls = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(calls[0]).not.toHaveProperty("room");
  });

  it("has room null for calls without a LiveKit room, and refuses a room name that is too long", async () => {
    const { key, serviceId } = await serviceWithBot();
    const simulated = await startCall(key, serviceId);
    expect((await api(`/api/v1/calls/${simulated}`, { key })).body).toMatchObject({ room: null });

    const local = crypto.randomUUID();
    const { socket } = await agent(local);
    socket!.send({ type: "start", from: "local caller", serviceId, transport: "local", room: "r".repeat(129) });
    expect(await socket!.next()).toEqual({ type: "error", reason: "bad_message" });
    socket!.send({ type: "start", from: "local caller", serviceId, transport: "local" });
    expect(await socket!.next()).toMatchObject({ type: "started" });
    expect((await api(`/api/v1/calls/${local}`, { key })).body).toMatchObject({ room: null });
  });

  it("shows on a bot message the speech-context names the catalogue does not know (delivered all the same)", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const asked = 'Your sign? <context name="horoscope"/><context name="Yes-No"/><context name="horoscope"/><context name="zodiac"/>';
    expect((await botSends(conversation, token, { body: asked })).body).toEqual({ success: true, reason: "delivered" });
    expect((await botSends(conversation, token, { body: 'Your account number? <context name="digits"/>' })).body.success).toBe(true);
    const { messages } = (await api(`/api/v1/calls/${conversation}`, { key })).body as { messages: Record<string, unknown>[] };
    const fromBot = messages.filter((m) => m.direction === "from_bot");
    expect(fromBot[0]).toMatchObject({ body: asked, unknownContexts: ["horoscope", "zodiac"] });
    expect(fromBot[1]).not.toHaveProperty("unknownContexts");
    expect(messages.filter((m) => m.direction === "to_bot").every((m) => !("unknownContexts" in m))).toBe(true);
  });
});

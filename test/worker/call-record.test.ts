import { describe, expect, it } from "vitest";
import { api, serviceWithBot, startCall } from "./helpers.ts";
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
});

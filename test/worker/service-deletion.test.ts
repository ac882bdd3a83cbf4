import { describe, expect, it } from "vitest";
import type { GatewayToChat } from "../../protocol/bridge.ts";
import { api, createService, deliveredMessages, deliveredOnce, eventually, received, register, serviceWithBot, startCall } from "./helpers.ts";
import { agent, connect, numberedServiceWithBot, phoneCall } from "./sockets.ts";

const deleteService = (key: string, serviceId: string) => api(`/api/v1/services/${serviceId}`, { method: "DELETE", key });

describe("deleting a service ends its live calls", () => {
  it("hangs up on the caller: the agent gets ended service_deleted", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    const { conversation, socket } = await phoneCall(number);

    expect((await deleteService(key, serviceId)).status).toBe(204);
    expect(await socket!.next((m) => m.type === "ended")).toEqual({ type: "ended", reason: "service_deleted" });
    // The call is over: the agent's words no longer reach the bot.
    socket!.send({ type: "transcript", text: "hello?" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveredMessages(conversation)).map((m) => m.body)).toEqual(["", ""]);
  });

  it("delivers last to the bot's URL, with its token, although the service's configuration is gone", async () => {
    // The bot fails its first two requests: the call's messages are still waiting when the service is deleted.
    const { key, serviceId } = await serviceWithBot("fail=2");
    const conversation = await startCall(key, serviceId);
    const ended = await startCall(key, serviceId);
    expect((await api(`/api/v1/calls/${ended}`, { method: "DELETE", key })).status).toBe(204);

    expect((await deleteService(key, serviceId)).status).toBe(204);
    const delivered = await deliveredOnce(conversation, 2);
    expect(delivered.map((m) => [m.new, m.last])).toEqual([
      ["true", "false"],
      ["false", "true"],
    ]);
    const attempts = await received(conversation);
    expect(attempts.every((r) => r.authorization === "Basic bot-secret-123")).toBe(true);
    // A call that had already ended is not told twice.
    await eventually(async () => (await deliveredMessages(ended)).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveredMessages(ended)).filter((m) => m.last === "true")).toHaveLength(1);
  });

  it("tells the test chat the call ended, and why", async () => {
    const { apiKey: key } = await register();
    const service = await createService(key);
    const conversation = await startCall(key, service.id);
    const { socket: chat } = await connect<GatewayToChat>(`/api/v1/calls/${conversation}/chat`, { authorization: `Bearer ${key}` });
    expect(await chat!.next()).toMatchObject({ type: "snapshot", call: { state: "active" } });

    expect((await deleteService(key, service.id)).status).toBe(204);
    expect(await chat!.next((m) => m.type === "ended")).toEqual({ type: "ended", reason: "service_deleted" });
    // The last message is kept for the chat, as the service's were.
    expect(await chat!.next((m) => m.type === "message" && m.message.last && m.message.delivery === "test_chat")).toBeTruthy();
  });
});

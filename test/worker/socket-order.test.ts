import { describe, expect, it } from "vitest";
import { api, deliveredOnce, eventually } from "./helpers.ts";
import { agent, numberedServiceWithBot } from "./sockets.ts";

describe("one call's socket messages, one at a time in arrival order", () => {
  it("applies keys and transcripts sent right behind start, without waiting for started, in order, and the call lives", async () => {
    const { number, key } = await numberedServiceWithBot();
    const conversation = crypto.randomUUID();
    const { socket } = await agent(conversation);
    const burst = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? { type: "dtmf", digits: `${i % 10}#` } : { type: "transcript", text: `turn ${i}` },
    );
    // `start` by the called number waits on the directory and the service: the burst arrives while it does.
    socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
    for (const message of burst) socket!.send(message);

    expect(await socket!.next()).toMatchObject({ type: "started", conversation });
    const delivered = await deliveredOnce(conversation, burst.length + 1);
    expect(delivered[0]).toMatchObject({ new: "true", body: "" });
    expect(delivered.slice(1).map((m) => [m.body, m.dtmf])).toEqual(
      burst.map((m) => (m.type === "dtmf" ? ["", m.digits] : [m.text, undefined])),
    );
    expect(socket!.inbox.filter((m) => m.type === "error")).toEqual([]);
    expect(socket!.isClosed()).toBe(false);
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "active", endReason: null });

    // Every message was counted as applied: an agent that reconnects has nothing to send again.
    socket!.ws.close(1011, "network blip");
    const again = (await agent(conversation)).socket!;
    again.send({ type: "resume", lastSayId: 0 });
    expect(await again.next()).toEqual({ type: "resumed", received: burst.length });
    again.send({ type: "hangup" });
    await eventually(async () => (await api(`/api/v1/calls/${conversation}`, { key })).body.endReason === "caller_hangup");
  });
});

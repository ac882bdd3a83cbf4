import { describe, expect, it } from "vitest";
import { api, botSends, deliveredOnce, say, serviceWithBot, startCall } from "./helpers.ts";
import { agent, numberedServiceWithBot, phoneCall } from "./sockets.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("per-turn latency on the call record", () => {
  it("a simulated call records the bot's think time: from the post to the bot to its reply on the send API", async () => {
    const { key, serviceId, token } = await serviceWithBot("delay=120");
    const conversation = await startCall(key, serviceId);
    await deliveredOnce(conversation, 1);
    await say(key, conversation, "what time do you open");
    await deliveredOnce(conversation, 2);
    await sleep(300);
    expect((await botSends(conversation, token, { body: "Until ten." })).body.reason).toBe("delivered");

    const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
    expect(call.turns).toHaveLength(2);
    const [greeting, turn] = call.turns;
    expect(greeting).toMatchObject({ message: 0, reply: null, spans: { bot: null, gap: null } });
    expect(call.messages[turn.message].body).toBe("what time do you open");
    expect(call.messages[turn.reply].body).toBe("Until ten.");
    // Posted, answered after the bot's 120 ms; the reply came 300 ms or more after the bot had the message.
    expect(Date.parse(turn.answeredAt) - Date.parse(turn.postedAt)).toBeGreaterThanOrEqual(120);
    expect(turn.spans.bot).toBeGreaterThanOrEqual(300);
    expect(turn.spans.bot).toBeLessThan(3_000);
    expect(turn.spans.bot).toBe(Date.parse(turn.replyAt) - Date.parse(turn.postedAt));
    expect(turn.spans.gateway).toBe(Date.parse(turn.postedAt) - Date.parse(turn.receivedAt));
    // No speech on a simulated call: no speech spans.
    expect(turn).toMatchObject({ speechEndedAt: null, firstAudioAt: null, spans: { stt: null, agent: null, tts: null, gap: null } });
  });

  it("keeps the agent's times: speech end and transcript with the caller's message, playout with the bot's reply", async () => {
    const { number, key, token } = await numberedServiceWithBot();
    const { conversation, socket } = await phoneCall(number);
    await deliveredOnce(conversation, 1);
    // A clock probe is answered with the gateway's time and is not counted as one of the agent's messages.
    const before = Date.now();
    socket.send({ type: "clock", agentSentAt: 42 });
    const clock = await socket.next((m) => m.type === "clock");
    expect(clock).toMatchObject({ type: "clock", agentSentAt: 42 });
    expect((clock as { gatewayAt: number }).gatewayAt).toBeGreaterThanOrEqual(before);

    const t = Date.now();
    socket.send({ type: "transcript", text: "what time do you open", timing: { speechEndedAt: t - 900, transcribedAt: t - 500 } });
    await deliveredOnce(conversation, 2);
    expect((await botSends(conversation, token, { body: "Until ten." })).body.reason).toBe("delivered");
    const say = (await socket.next((m) => m.type === "say")) as { id: number };
    const replyAt = Date.parse((await api(`/api/v1/calls/${conversation}`, { key })).body.messages.at(-1).at);
    socket.send({ type: "playout", id: say.id, receivedAt: replyAt + 5, firstAudioAt: replyAt + 205, endedAt: replyAt + 2_000, interrupted: false });

    const turn = await (async () => {
      for (let i = 0; i < 100; i++) {
        const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
        if (call.turns[1]?.firstAudioAt) return call.turns[1];
        await sleep(20);
      }
      throw new Error("the playout never reached the call record");
    })();
    expect(turn.speechEndedAt).toBe(new Date(t - 900).toISOString());
    expect(turn.transcribedAt).toBe(new Date(t - 500).toISOString());
    expect(turn.spans.stt).toBe(400);
    expect(turn.spans.tts).toBe(200);
    expect(turn.spans.gap).toBe(replyAt + 205 - (t - 900));
    expect(turn).toMatchObject({ interrupted: false, heard: null, playbackEndedAt: new Date(replyAt + 2_000).toISOString() });
    const spans = turn.spans;
    expect(spans.stt + spans.agent + spans.gateway + spans.bot + spans.tts).toBe(spans.gap);

    // The probe was not counted: a resume learns of the two messages applied (the transcript and the playout) only.
    const again = await agent(conversation);
    again.socket!.send({ type: "resume", lastSayId: say.id });
    expect(await again.socket!.next()).toEqual({ type: "resumed", received: 2 });
  });

  it("refuses a playout whose time is not a number", async () => {
    const { number } = await numberedServiceWithBot();
    const { socket } = await phoneCall(number);
    socket.send({ type: "playout", id: 1, receivedAt: "soon", firstAudioAt: null, endedAt: 1, interrupted: false });
    expect(await socket.next((m) => m.type === "error")).toEqual({ type: "error", reason: "bad_message" });
  });

  it("GET /services/{id}/latency gives each day's p50/p95 of the spans of the service's finished turns", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const thinks = [100, 200, 300];
    for (const think of thinks) {
      const conversation = await startCall(key, serviceId);
      await deliveredOnce(conversation, 1);
      await say(key, conversation, "hello");
      await deliveredOnce(conversation, 2);
      await sleep(think);
      await botSends(conversation, token, { body: "Hi." });
      await api(`/api/v1/calls/${conversation}`, { method: "DELETE", key }); // a simulated call's turns count once it ends
    }
    const today = new Date().toISOString().slice(0, 10);
    const latency = await (async () => {
      for (let i = 0; i < 100; i++) {
        const res = await api(`/api/v1/services/${serviceId}/latency?from=${today}&to=${today}`, { key });
        if (res.body.days[0]?.turns === 3) return res.body;
        await sleep(20);
      }
      throw new Error("the turns never reached the service");
    })();
    const [day] = latency.days;
    expect(day).toMatchObject({ day: today, turns: 3, spans: { stt: null, tts: null, gap: null } });
    expect(day.spans.bot.count).toBe(3);
    expect(day.spans.bot.p50).toBeGreaterThanOrEqual(200);
    expect(day.spans.bot.p50).toBeLessThan(day.spans.bot.p95);
    expect(day.spans.bot.p95).toBeGreaterThanOrEqual(300);
    expect(day.spans.gateway.count).toBe(3);
  });

  it("refuses a latency period that cannot be read, naming the field", async () => {
    const { key, serviceId } = await serviceWithBot();
    const res = await api(`/api/v1/services/${serviceId}/latency?from=yesterday`, { key });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain("from");
  });
});

import { describe, expect, it } from "vitest";
import { api, botSends, deliveredOnce, eventually, say, serviceWithBot, startCall } from "./helpers.ts";
import { agent, numberedServiceWithBot, phoneCall } from "./sockets.ts";

/** vitest.config.ts: a call-limit minute lasts CALL_LIMIT_MINUTE_MS = 3 s. */
const MINUTE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callOf = async (key: string, conversation: string) => (await api(`/api/v1/calls/${conversation}`, { key })).body;
const setLimits = (key: string, serviceId: string, limits: Record<string, unknown>) =>
  api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: limits });

describe("call limits", () => {
  it("are per service, default 60 and 10 minutes, and out-of-range values are refused with the field named", async () => {
    const { key, serviceId } = await serviceWithBot();
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body).toMatchObject({ maxCallMinutes: 60, idleTimeoutMinutes: 10 });
    const patched = await setLimits(key, serviceId, { maxCallMinutes: 480, idleTimeoutMinutes: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ maxCallMinutes: 480, idleTimeoutMinutes: 1 });
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body).toMatchObject({ maxCallMinutes: 480, idleTimeoutMinutes: 1 });

    for (const [field, value] of [
      ["maxCallMinutes", 0],
      ["maxCallMinutes", 481],
      ["maxCallMinutes", 1.5],
      ["maxCallMinutes", "60"],
      ["idleTimeoutMinutes", 0],
      ["idleTimeoutMinutes", 1441],
    ] as const) {
      const res = await setLimits(key, serviceId, { [field]: value });
      expect(res.status, `${field}: ${value}`).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    }
    expect((await api(`/api/v1/services/${serviceId}`, { key })).body).toMatchObject({ maxCallMinutes: 480, idleTimeoutMinutes: 1 });
    const schema = (await api("/api/v1/openapi.json")).body;
    expect(JSON.stringify(schema)).toContain("idleTimeoutMinutes");
  });

  it("ends a voice call at its maximum duration: the agent gets ended max_duration and the bot gets last", async () => {
    const { number, key, serviceId } = await numberedServiceWithBot();
    // The idle timeout (1 minute) is shorter, but a call carried by an agent is not idle-timed.
    await setLimits(key, serviceId, { maxCallMinutes: 2, idleTimeoutMinutes: 1 });
    const { conversation, socket } = await phoneCall(number);

    await sleep(1.5 * MINUTE_MS);
    expect(await callOf(key, conversation)).toMatchObject({ state: "active" });
    expect(await socket!.next((m) => m.type === "ended")).toEqual({ type: "ended", reason: "max_duration" });
    const call = await callOf(key, conversation);
    expect(call).toMatchObject({ state: "ended", endReason: "max_duration" });
    expect(Date.parse(call.endedAt) - Date.parse(call.startedAt)).toBeGreaterThanOrEqual(2 * MINUTE_MS);
    const delivered = await deliveredOnce(conversation, 2);
    expect(delivered[1]).toMatchObject({ body: "", last: "true" });
  });

  it("ends a simulated call after its idle timeout without a message either way; each message restarts the wait", async () => {
    const { key, serviceId } = await serviceWithBot();
    // Every reconfiguration issues a new token.
    const { token } = (await setLimits(key, serviceId, { idleTimeoutMinutes: 1 })).body;
    const conversation = await startCall(key, serviceId);
    // Messages both ways, each within the timeout, for longer than the timeout.
    for (let i = 0; i < 3; i++) {
      await sleep(MINUTE_MS / 2);
      if (i % 2 === 0) expect((await say(key, conversation, `still here ${i}`)).status).toBe(202);
      else expect((await botSends(conversation, token, { body: `bot ${i}` })).body.reason).toBe("delivered");
    }
    expect(await callOf(key, conversation)).toMatchObject({ state: "active" });

    const call = await eventually(async () => {
      const c = await callOf(key, conversation);
      return c.state === "ended" && c;
    }, 3 * MINUTE_MS);
    expect(call.endReason).toBe("idle");
    const lastBeforeEnd = call.messages.filter((m: { last: boolean }) => !m.last).at(-1);
    expect(lastBeforeEnd.body).toBe("still here 2");
    expect(Date.parse(call.endedAt) - Date.parse(lastBeforeEnd.at)).toBeGreaterThanOrEqual(MINUTE_MS);
    const delivered = await deliveredOnce(conversation, 4);
    expect(delivered.map((m) => [m.body, m.last])).toEqual([
      ["", "false"],
      ["still here 0", "false"],
      ["still here 2", "false"],
      ["", "true"],
    ]);
  });
});

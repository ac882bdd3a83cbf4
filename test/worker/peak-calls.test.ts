import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Env, serviceStub } from "../../durable-objects/bindings.ts";
import { api, serviceWithBot, startCall } from "./helpers.ts";

const today = () => new Date().toISOString().slice(0, 10);
const peak = async (key: string, serviceId: string) =>
  (await api(`/api/v1/services/${serviceId}/usage?from=${today()}&to=${today()}`, { key })).body.peakConcurrentCalls as number;
const hangUp = (key: string, conversation: string) => api(`/api/v1/calls/${conversation}`, { method: "DELETE", key });

describe("peak concurrent calls", () => {
  it("is 1 for two calls one after the other", async () => {
    const { key, serviceId } = await serviceWithBot();
    expect((await hangUp(key, await startCall(key, serviceId))).status).toBe(204);
    expect((await hangUp(key, await startCall(key, serviceId))).status).toBe(204);
    expect(await peak(key, serviceId)).toBe(1);
  });

  it("is 2 for two calls that overlap, and stays 2 after they end", async () => {
    const { key, serviceId } = await serviceWithBot();
    const first = await startCall(key, serviceId);
    const second = await startCall(key, serviceId);
    await hangUp(key, first);
    await hangUp(key, second);
    const third = await startCall(key, serviceId);
    await hangUp(key, third);
    expect(await peak(key, serviceId)).toBe(2);
  });

  it("does not count a call from long ago that was never marked ended", async () => {
    const { key, serviceId } = await serviceWithBot();
    // A call whose end never reached the service (say its object was lost), older than its maximum duration
    // (60 minutes of CALL_LIMIT_MINUTE_MS = 3 s in vitest.config.ts: 3 minutes).
    const service = serviceStub(env as unknown as Env, serviceId);
    expect(await service.callStarted({ conversation: crypto.randomUUID(), from: "+14155550100", startedAt: Date.now() - 4 * 60_000 })).not.toBeNull();
    const calls = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body as { endedAt: string | null }[];
    expect(calls.filter((c) => c.endedAt === null)).toHaveLength(1);

    await hangUp(key, await startCall(key, serviceId));
    expect(await peak(key, serviceId)).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { api, botSends, serviceWithBot, startCall } from "./helpers.ts";

describe("rate limits", () => {
  it("throttles the send API per token with 429 and a clear error, without touching other services", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const other = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const otherConversation = await startCall(other.key, other.serviceId);
    // vitest.config.ts: 300 messages per token per 10 s. The limiter counts in fixed windows aligned to multiples of
    // the period: start the burst at the beginning of one, so that it does not straddle two.
    await new Promise((resolve) => setTimeout(resolve, 10_000 - (Date.now() % 10_000) + 20));
    const answers = await Promise.all(Array.from({ length: 320 }, (_, i) => botSends(conversation, token, { body: `m${i}` })));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(300);
    expect(limited.length).toBeGreaterThanOrEqual(20);
    expect(limited[0]!.body).toEqual({ success: false, reason: "rejected", error: "rate limit exceeded; retry in 10 s" });
    expect((await botSends(otherConversation, other.token, { body: "unaffected" })).status).toBe(200);
  });

  it("throttles log-in and sign-up attempts per client address", async () => {
    const client = { "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 250)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api("/api/v1/accounts", { method: "POST", headers: client, json: { email: `x${i}-${crypto.randomUUID()}@example.com`, password: "long password here" } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const throttled = await api("/api/v1/session", { method: "POST", headers: client, json: { email: "a@example.com", password: "whatever it is" } });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatch(/rate limit exceeded/);
    // Another address is not affected.
    const elsewhere = await api("/api/v1/accounts", { method: "POST", headers: { "cf-connecting-ip": "198.51.100.7" }, json: { email: `y-${crypto.randomUUID()}@example.com`, password: "long password here" } });
    expect(elsewhere.status).toBe(201);
  });
});

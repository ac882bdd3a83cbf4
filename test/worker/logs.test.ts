import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logLine } from "../../worker/log.ts";
import { api, botSends, deliveredOnce, say, serviceWithBot, startCall } from "./helpers.ts";

let lines: string[] = [];
let spy: ReturnType<typeof vi.spyOn> | undefined;
beforeEach(() => {
  lines = [];
  spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
});
afterEach(() => spy?.mockRestore());

/** The structured log lines so far, parsed (every one must be JSON). */
const events = () => lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("structured logs", () => {
  it("one JSON object per event with the call's, service's and account's ids, and never a secret", async () => {
    const account = await api("/api/v1/accounts", { method: "POST", json: { email: `log-${crypto.randomUUID()}@example.com`, password: "correct horse battery" } });
    const { key, serviceId, token } = await serviceWithBot("delay=20");
    const conversation = await startCall(key, serviceId);
    await deliveredOnce(conversation, 1);
    await say(key, conversation, "my card number is 4111 1111 1111 1111");
    await deliveredOnce(conversation, 2);
    await botSends(conversation, token, { body: "Thanks.", last: "true" });
    await deliveredOnce(conversation, 2);
    const rotated = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { name: "Renamed" } });
    expect(rotated.status).toBe(200);

    for (const line of lines.filter((l) => l.startsWith("{"))) expect(() => JSON.parse(line)).not.toThrow();
    const logged = events();
    const ownerId = logged.find((e) => e.event === "call_started")?.accountId;
    expect(ownerId).toEqual(expect.any(String));
    expect(logged.find((e) => e.event === "call_started")).toMatchObject({ conversation, serviceId, accountId: ownerId, at: expect.any(String) });
    expect(logged.find((e) => e.event === "call_ended")).toMatchObject({ conversation, serviceId, accountId: ownerId, reason: "bot_hangup" });
    const attempts = logged.filter((e) => e.event === "delivery_attempt" && e.conversation === conversation);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ serviceId, accountId: ownerId, status: 200, outcome: "delivered", attempt: 1 });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(20);
    }
    expect(logged.filter((e) => e.event === "token_rotated" && e.serviceId === serviceId)).toHaveLength(3); // created, configured, renamed
    expect(logged.find((e) => e.event === "service_reconfigured" && e.serviceId === serviceId)).toMatchObject({ accountId: ownerId });

    // No secret, and nothing the caller said, in any line.
    const all = lines.join("\n");
    for (const secret of [token, key, rotated.body.token, "bot-secret-123", "correct horse battery", account.body.apiKey, "4111"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/bot\/\{conversation\}|127\.0\.0\.1/);
  });

  it("a failed delivery is logged with the bot's status and that it will be retried", async () => {
    const { key, serviceId } = await serviceWithBot("fail=1");
    const conversation = await startCall(key, serviceId);
    await deliveredOnce(conversation, 1);
    const attempts = events().filter((e) => e.event === "delivery_attempt" && e.conversation === conversation);
    expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([[1, 503, "retry"], [2, 200, "delivered"]]);
  });

  it("drops a field whose name says it holds a secret, even if a caller passes one", () => {
    const line = JSON.parse(logLine("call_started", { conversation: "c", token: "t0k", botUrl: "https://x/?key=1", apiKey: "k", body: "hi", n: 1 } as never, 0));
    expect(line).toEqual({ event: "call_started", at: "1970-01-01T00:00:00.000Z", conversation: "c", n: 1 });
  });
});

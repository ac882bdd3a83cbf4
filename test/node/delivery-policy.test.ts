import { describe, expect, it } from "vitest";
import { judgeAttempt } from "../../durable-objects/delivery-policy.ts";

const answered = (status: number, body: string) => judgeAttempt({ kind: "answered", status, body });

describe("judging a delivery attempt", () => {
  it("takes a 2xx whose JSON has a reason other than delivered as a refusal with that reason, not retried", () => {
    expect(answered(200, '{"success":false,"reason":"authorization fail"}')).toEqual({
      kind: "failed",
      error: "the bot refused it: authorization fail",
    });
    expect(answered(200, '{"reason":"rejected"}')).toEqual({ kind: "failed", error: "the bot refused it: rejected" });
    expect(answered(202, '{"success":true,"reason":"conversation not found"}')).toEqual({
      kind: "failed",
      error: "the bot refused it: conversation not found",
    });
  });

  it("takes a 2xx without JSON, or whose JSON has no reason, or reason delivered, as delivered", () => {
    for (const body of [
      "",
      "<<garbage>>",
      "OK",
      '{"code":"OK","message":"queued"}',
      '{"success":true,"reason":"delivered"}',
      '{"reason":"delivered"}',
      '{"success":false}',
      "[]",
      "null",
      '"rejected"',
    ]) {
      expect(answered(200, body), body).toEqual({ kind: "delivered" });
    }
  });

  it("names a reason that is not a string as it was sent, and keeps a long one short", () => {
    expect(answered(200, '{"reason":42}')).toEqual({ kind: "failed", error: "the bot refused it: 42" });
    expect(answered(200, '{"reason":null}')).toEqual({ kind: "failed", error: "the bot refused it: null" });
    const long = answered(200, JSON.stringify({ reason: "x".repeat(1000) }));
    expect(long).toEqual({ kind: "failed", error: `the bot refused it: ${"x".repeat(200)}` });
  });

  it("retries network errors, timeouts, 5xx, 408 and 429, and fails any other status", () => {
    expect(judgeAttempt({ kind: "timeout" }).kind).toBe("retry");
    expect(judgeAttempt({ kind: "network_error", message: "reset" })).toEqual({ kind: "retry", error: "network error: reset" });
    for (const status of [500, 503, 408, 429]) expect(answered(status, "").kind, String(status)).toBe("retry");
    for (const status of [301, 400, 401, 404]) {
      expect(answered(status, '{"reason":"delivered"}'), String(status)).toEqual({ kind: "failed", error: `the bot answered HTTP ${status}` });
    }
  });
});

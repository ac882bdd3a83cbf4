import { describe, expect, it } from "vitest";
import { UsedTickets, admitLocalCall } from "../../agent/local-call-admission.ts";
import { LOCAL_CALL_TICKET_TTL_SECONDS, checkLocalCallTicket, issueLocalCallTicket } from "../../protocol/local-call-ticket.ts";

// The local agent's call tickets (protocol/local-call-ticket.ts) and the agent's admission rule (single use, origin).

const SECRET = "ticket-test-secret";
const GRANT = { serviceId: "svc_1", from: "browser-acc_1", origin: "http://127.0.0.1:8787" };
const NOW = 1_800_000_000_000;

/** `ticket` with one character of `part` (0: payload, 1: MAC) changed. */
function tamper(ticket: string, part: 0 | 1): string {
  const parts = ticket.split(".");
  const s = parts[part]!;
  parts[part] = `${s.slice(0, 5)}${s[5] === "A" ? "B" : "A"}${s.slice(6)}`;
  return parts.join(".");
}

/** A ticket whose payload says something else, signed by whoever holds `secret`. */
async function forged(claims: object, secret: string) {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const { createHmac, hkdfSync } = await import("node:crypto");
  const key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "phonemybot local call ticket v1", 32));
  return `${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
}

describe("local call tickets", () => {
  it("a ticket checks with the secret it was issued with, and carries the grant and an expiry 2 minutes on", async () => {
    const { ticket, claims } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    expect(claims).toEqual({ ...GRANT, id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), expiresAt: NOW + LOCAL_CALL_TICKET_TTL_SECONDS * 1000 });
    expect(LOCAL_CALL_TICKET_TTL_SECONDS).toBe(120);
    expect(await checkLocalCallTicket(SECRET, ticket, NOW + 119_999)).toEqual({ ok: true, claims });
    // Each ticket is its own.
    const other = await issueLocalCallTicket(SECRET, GRANT, NOW);
    expect(other.claims.id).not.toBe(claims.id);
  });

  it("refuses an expired ticket", async () => {
    const { ticket } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    expect(await checkLocalCallTicket(SECRET, ticket, NOW + 120_000)).toEqual({ ok: false, reason: "ticket expired" });
  });

  it("refuses a tampered ticket, one from another secret, and junk", async () => {
    const { ticket } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    const bad = { ok: false, reason: "bad ticket" };
    expect(await checkLocalCallTicket(SECRET, tamper(ticket, 0), NOW)).toEqual(bad);
    expect(await checkLocalCallTicket(SECRET, tamper(ticket, 1), NOW)).toEqual(bad);
    expect(await checkLocalCallTicket("another-secret", ticket, NOW)).toEqual(bad);
    // Another service's payload with this ticket's MAC.
    const [, mac] = ticket.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ ...GRANT, serviceId: "svc_2", id: "x".repeat(22), expiresAt: NOW + 60_000 })).toString("base64url");
    expect(await checkLocalCallTicket(SECRET, `${otherPayload}.${mac}`, NOW)).toEqual(bad);
    for (const junk of ["", ".", "a.b", "a.b.c", `${ticket}.x`, "!!!.###", "x".repeat(5000)]) expect(await checkLocalCallTicket(SECRET, junk, NOW), junk).toEqual(bad);
  });

  it("refuses a well-signed payload that is not a ticket", async () => {
    // HKDF-SHA-256 then HMAC-SHA-256, computed here with node:crypto: the documented construction, independently.
    const genuine = await forged({ ...GRANT, id: "y".repeat(22), expiresAt: NOW + 60_000 }, SECRET);
    expect(await checkLocalCallTicket(SECRET, genuine, NOW)).toMatchObject({ ok: true, claims: { serviceId: "svc_1" } });
    for (const claims of [{ ...GRANT, expiresAt: NOW + 60_000 }, { ...GRANT, id: "y".repeat(22), expiresAt: "later" }, [1, 2], "text"]) {
      expect(await checkLocalCallTicket(SECRET, await forged(claims as object, SECRET), NOW), JSON.stringify(claims)).toEqual({ ok: false, reason: "bad ticket" });
    }
  });
});

describe("admitting a call on the local agent", () => {
  it("takes the service and caller from the ticket, once", async () => {
    const used = new UsedTickets();
    const { ticket } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    expect(await admitLocalCall({ ticket, origin: GRANT.origin }, SECRET, used, NOW)).toEqual({ ok: true, serviceId: "svc_1", from: "browser-acc_1" });
    expect(await admitLocalCall({ ticket, origin: GRANT.origin }, SECRET, used, NOW + 1000)).toEqual({ ok: false, reason: "ticket already used" });
    expect(await admitLocalCall({ ticket, origin: undefined }, SECRET, used, NOW + 1000)).toEqual({ ok: false, reason: "ticket already used" });
  });

  it("lets a client without Origin in, and a web page only from the ticket's origin, without using the ticket up", async () => {
    const used = new UsedTickets();
    const { ticket } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    for (const origin of ["http://evil.example", "http://127.0.0.1:8788", "null", "http://localhost:8787"]) {
      expect(await admitLocalCall({ ticket, origin }, SECRET, used, NOW), origin).toEqual({ ok: false, reason: "origin not allowed" });
    }
    expect(await admitLocalCall({ ticket, origin: undefined }, SECRET, used, NOW)).toMatchObject({ ok: true });
    // A ticket issued without an origin (a test's, or a script's) is for clients that are not web pages.
    const bare = await issueLocalCallTicket(SECRET, { serviceId: "svc_1", from: "+442071838750" }, NOW);
    expect(await admitLocalCall({ ticket: bare.ticket, origin: "http://127.0.0.1:8787" }, SECRET, used, NOW)).toEqual({ ok: false, reason: "origin not allowed" });
  });

  it("refuses a missing, bad or expired ticket before anything else", async () => {
    const used = new UsedTickets();
    expect(await admitLocalCall({ ticket: null, origin: undefined }, SECRET, used, NOW)).toEqual({ ok: false, reason: "bad ticket" });
    const { ticket } = await issueLocalCallTicket(SECRET, GRANT, NOW);
    expect(await admitLocalCall({ ticket, origin: "http://evil.example" }, SECRET, used, NOW + 120_000)).toEqual({ ok: false, reason: "ticket expired" });
    expect(await admitLocalCall({ ticket, origin: undefined }, "wrong", used, NOW)).toEqual({ ok: false, reason: "bad ticket" });
    expect(used.size).toBe(0);
  });

  it("forgets used tickets once they have expired", async () => {
    const used = new UsedTickets();
    expect(used.claim({ id: "a", expiresAt: NOW + 1000 }, NOW)).toBe(true);
    expect(used.claim({ id: "b", expiresAt: NOW + 5000 }, NOW)).toBe(true);
    expect(used.claim({ id: "a", expiresAt: NOW + 1000 }, NOW + 999)).toBe(false);
    expect(used.claim({ id: "c", expiresAt: NOW + 9000 }, NOW + 1000)).toBe(true);
    expect(used.size).toBe(2); // a is gone: expired tickets are refused before their id is looked at
  });
});

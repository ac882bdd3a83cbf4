import { z } from "zod";

/**
 * Tickets for the local voice agent's call socket (agent/local-server.ts): the gateway issues one with
 * `POST /api/v1/services/{id}/browser-calls`, the agent checks it. Both hold AGENT_SECRET; a ticket is
 * `<payload>.<mac>` (base64url), the MAC an HMAC-SHA-256 of the payload under a key derived from that secret with
 * HKDF, so the secret itself signs nothing. WebCrypto only: the same code runs in workerd and in Node.
 */

/** How long a ticket can be used after it is issued. */
export const LOCAL_CALL_TICKET_TTL_SECONDS = 120;

const ClaimsSchema = z.object({
  /** Random: the agent accepts each ticket once. */
  id: z.string().min(16).max(64),
  /** The service to call, and who is calling: both decided by the gateway, not by whoever holds the ticket. */
  serviceId: z.string().min(1).max(64),
  from: z.string().min(1).max(64),
  /** A call the bot started, ringing on the simulated phone, that this ticket answers with audio (its conversation). */
  answer: z.string().max(128).optional(),
  /** The gateway's origin as the portal reached it: the one web origin allowed to use the ticket. */
  origin: z.string().max(512).optional(),
  /** Unix milliseconds. */
  expiresAt: z.number().int().nonnegative(),
});
export type LocalCallTicketClaims = z.infer<typeof ClaimsSchema>;

/** Why a ticket was refused (also the close reason the agent gives). */
export type TicketRefusal = "bad ticket" | "ticket expired";

const MAX_TICKET_LENGTH = 2048;
const encoder = new TextEncoder();

export async function issueLocalCallTicket(
  agentSecret: string,
  grant: { serviceId: string; from: string; origin?: string; answer?: string },
  now = Date.now(),
): Promise<{ ticket: string; claims: LocalCallTicketClaims }> {
  const claims: LocalCallTicketClaims = { id: toBase64Url(crypto.getRandomValues(new Uint8Array(16))), ...grant, expiresAt: now + LOCAL_CALL_TICKET_TTL_SECONDS * 1000 };
  const payload = toBase64Url(encoder.encode(JSON.stringify(claims)));
  const mac = await crypto.subtle.sign("HMAC", await ticketKey(agentSecret), encoder.encode(payload));
  return { ticket: `${payload}.${toBase64Url(new Uint8Array(mac))}`, claims };
}

/** The ticket's claims if it was issued with `agentSecret` and has not expired. Whether it was used is the holder's business. */
export async function checkLocalCallTicket(
  agentSecret: string,
  ticket: string,
  now = Date.now(),
): Promise<{ ok: true; claims: LocalCallTicketClaims } | { ok: false; reason: TicketRefusal }> {
  const bad = { ok: false, reason: "bad ticket" } as const;
  const parts = ticket.length <= MAX_TICKET_LENGTH ? ticket.split(".") : [];
  if (parts.length !== 2) return bad;
  const [payload, mac] = parts as [string, string];
  const macBytes = fromBase64Url(mac);
  if (!macBytes || !(await crypto.subtle.verify("HMAC", await ticketKey(agentSecret), macBytes, encoder.encode(payload)))) return bad;
  const claims = parseClaims(fromBase64Url(payload));
  if (!claims) return bad;
  if (claims.expiresAt <= now) return { ok: false, reason: "ticket expired" };
  return { ok: true, claims };
}

function parseClaims(json: Uint8Array | undefined): LocalCallTicketClaims | undefined {
  try {
    const parsed = ClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(json)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function ticketKey(agentSecret: string) {
  const secret = await crypto.subtle.importKey("raw", encoder.encode(agentSecret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("phonemybot local call ticket v1") },
    secret,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

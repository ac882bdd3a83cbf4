import { type LocalCallTicketClaims, type TicketRefusal, checkLocalCallTicket } from "../protocol/local-call-ticket.ts";

/** Why the local agent refused a call socket: the WebSocket close reason (code 1008). */
export type LocalCallRefusal = TicketRefusal | "ticket already used" | "origin not allowed";

/** The ids of tickets already used, each kept until its ticket expires (after which it is refused anyway). */
export class UsedTickets {
  private readonly used = new Map<string, number>();

  /** Marks the ticket used; false if it already was. */
  claim(claims: Pick<LocalCallTicketClaims, "id" | "expiresAt">, now = Date.now()): boolean {
    for (const [id, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(id);
    if (this.used.has(claims.id)) return false;
    this.used.set(claims.id, claims.expiresAt);
    return true;
  }

  get size(): number {
    return this.used.size;
  }
}

/**
 * Whether a request for the call socket may place a call, and as whom: the service and caller come from the ticket
 * alone. A browser (which always sends `Origin`) must be on the origin the ticket was issued to; a client without
 * `Origin` is not a web page, and the ticket is its whole credential. The ticket is used up only when all else passed.
 */
export async function admitLocalCall(
  request: { ticket: string | null; origin: string | undefined },
  agentSecret: string,
  used: UsedTickets,
  now = Date.now(),
): Promise<{ ok: true; serviceId: string; from: string; answer?: string } | { ok: false; reason: LocalCallRefusal }> {
  const checked = await checkLocalCallTicket(agentSecret, request.ticket ?? "", now);
  if (!checked.ok) return checked;
  const { claims } = checked;
  if (request.origin !== undefined && request.origin !== claims.origin) return { ok: false, reason: "origin not allowed" };
  if (!used.claim(claims, now)) return { ok: false, reason: "ticket already used" };
  return { ok: true, serviceId: claims.serviceId, from: claims.from, ...(claims.answer ? { answer: claims.answer } : {}) };
}

import { CONVERSATION_ID_PATTERN } from "../protocol/messaging.ts";
import { countryOf, toE164 } from "../protocol/phone-numbers.ts";
import { type Outbound, destinationAllowed } from "../protocol/settings/outbound.ts";

/** What the bot asked for: a call to `to`, from `from` (default: the service's first number), under its own id. */
export interface OutboundRequest {
  conversation: string;
  to: string | undefined;
  from: string | undefined;
  /** A start must say something and must not end the call at once (`last`). */
  speaks: boolean;
}

export type OutboundDecision =
  | { ok: true; to: string; from: string }
  | { ok: false; reason: "start not allowed" | "rejected"; why: string };

/**
 * Whether a service may start this call (docs/api.md, "Calls started by the bot"). Pure: the service passes its
 * settings, numbers, and what it knows of its calls. The send API answers `start not allowed` when outbound calls
 * are off, `rejected` for anything else refused (`why` is for logs and tests, not sent to the bot).
 */
export function decideOutbound(
  request: OutboundRequest,
  service: { outbound: Outbound; numbers: readonly string[]; idInUse: boolean; outboundUnderWay: number },
): OutboundDecision {
  const refuse = (why: string) => ({ ok: false, reason: "rejected", why }) as const;
  if (!service.outbound.enabled) return { ok: false, reason: "start not allowed", why: "outbound calls are off" };
  if (!request.speaks) return refuse("a call the bot starts needs a body, and no last");
  if (!CONVERSATION_ID_PATTERN.test(request.conversation)) return refuse("conversation id: 1-128 of A-Z a-z 0-9 _ -");
  if (service.idInUse) return refuse("conversation id already used");
  const to = request.to === undefined ? undefined : toE164(request.to);
  if (!to) return refuse("to: not a valid number in international format");
  if (!destinationAllowed(to, service.outbound.destinations, countryOf)) return refuse("to: not an allowed destination");
  const from = request.from === undefined ? service.numbers[0] : toE164(request.from);
  if (!from) return refuse(request.from === undefined ? "the service has no number to call from" : "from: not a valid number");
  if (!service.numbers.includes(from)) return refuse("from: not one of the service's numbers");
  if (service.outboundUnderWay >= service.outbound.maxConcurrent) return refuse("over maxConcurrent outbound calls");
  return { ok: true, to, from };
}

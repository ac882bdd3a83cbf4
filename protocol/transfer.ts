import type { Hints } from "./hints.ts";
import { parseMarkup } from "./markup.ts";
import type { TransferRule } from "./settings/transfer.ts";

/**
 * Transfers, pure (docs/api.md, "Call control"): what a bot's message asks for (hints, `<transfer>` markup, or a
 * service rule on its words), whether the service lets it reach that destination (the toll-fraud guard), and what a
 * transfer's outcome means for the call, the bot and the call record.
 */

/** How a transfer ended: `transferred`, or why it failed (the call then goes on). */
export const TRANSFER_RESULTS = ["transferred", "busy", "declined", "no answer", "failed", "destination not allowed"] as const;
export type TransferResult = (typeof TRANSFER_RESULTS)[number];

/** Simulated transfers (local transport, simulated calls) to a number ending in this fail as busy (SIP 486). */
export const SIMULATED_BUSY_SUFFIX = "0486";
/** The SIP status reported for a transfer the guard refused (none was attempted). */
export const NOT_ALLOWED_SIP_STATUS = 403;

export interface TransferRequest {
  /** E.164, `tel:` or `sip:` as the bot or the rule gave it. */
  to: string;
  /** How long the destination may ring (markup's `timeoutms`). */
  timeoutMs?: number;
  /** Wait between the end of the message's speech and the transfer (a rule's `waitSeconds`). */
  waitMs: number;
  via: "hints" | "markup" | "rule";
}

export type TransferOutcome = { result: "transferred" } | { result: Exclude<TransferResult, "transferred">; sipStatus?: number };

const TARGET = /^(?:\+[1-9]\d{1,14}|tel:\+?[0-9*#-]+|sips?:\S+)$/i;

function telephony(hints: Hints | undefined): Record<string, unknown> | undefined {
  const value = hints?.telephony;
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The transfer a bot's message asks for, if any: `hints.telephony {action: "transfer", info: {called}}` first, then
 * a `<transfer referto>` tag in the body, then the first of the service's rules whose pattern matches the spoken text.
 */
export function requestedTransfer(body: string, hints: Hints | undefined, rules: readonly TransferRule[]): TransferRequest | undefined {
  const asked = telephony(hints);
  const markup = parseMarkup(body);
  const tag = markup.actions.find((a) => a.type === "transfer");
  if (asked?.action === "transfer") {
    // `info.called` as PhoneMyBot's bots send it; `referTo` as the bot platform adaptors (worker/adaptors) write it.
    const info = asked.info as Record<string, unknown> | undefined;
    const called = [info?.called, asked.referTo].find((v): v is string => typeof v === "string" && v.trim() !== "")?.trim();
    // A transfer asked for without a destination is refused by the guard, unless the body's tag names one.
    if (called || !tag) return { to: called ?? "", waitMs: 0, via: "hints" };
  }
  if (tag) return { to: tag.referTo, ...(tag.timeoutMs !== undefined ? { timeoutMs: tag.timeoutMs } : {}), waitMs: 0, via: "markup" };
  for (const rule of rules) {
    if (new RegExp(rule.pattern, "i").test(markup.spokenText)) return { to: rule.to, waitMs: Math.round(rule.waitSeconds * 1000), via: "rule" };
  }
  return undefined;
}

/** The keys of `hints.telephony {action: "dtmf", digits}` (`0-9*#`, `w` a half-second wait), if any. */
export function requestedDtmf(hints: Hints | undefined): string | undefined {
  const asked = telephony(hints);
  if (asked?.action !== "dtmf" || typeof asked.digits !== "string") return undefined;
  const digits = asked.digits.toLowerCase().replace(/[^0-9*#w]/g, "").slice(0, 64);
  return digits || undefined;
}

/** The E.164 number a target dials (`+…` or `tel:+…`), or undefined for a SIP URI or something unreadable. */
export function targetNumber(to: string): string | undefined {
  const number = to.replace(/^tel:/i, "").replace(/[-\s]/g, "");
  return /^\+[1-9]\d{1,14}$/.test(number) ? number : undefined;
}

/**
 * The toll-fraud guard: a number is allowed when it starts with one of the service's E.164 entries (a full number
 * or a prefix); a SIP URI only when it is listed as is. No entries: nothing is allowed.
 */
export function destinationAllowed(to: string, destinations: readonly string[]): boolean {
  if (!TARGET.test(to)) return false;
  const number = targetNumber(to);
  if (number) return destinations.some((entry) => entry.startsWith("+") && number.startsWith(entry));
  if (/^sips?:/i.test(to)) return destinations.some((entry) => entry.toLowerCase() === to.toLowerCase());
  return false;
}

/** What LiveKit's TransferSIPParticipant is given: `tel:+…` for a number, a SIP URI as is. */
export function referToUri(to: string): string {
  const number = targetNumber(to);
  return number ? `tel:${number}` : to;
}

/** The outcome of a simulated transfer: busy (486) for the test range, otherwise transferred. */
export function simulatedTransfer(to: string): TransferOutcome {
  const digits = to.replace(/\D/g, "");
  return digits.endsWith(SIMULATED_BUSY_SUFFIX) ? { result: "busy", sipStatus: 486 } : { result: "transferred" };
}

/** What a SIP final answer to the transfer means. */
export function sipFailure(sipStatus: number | undefined): Exclude<TransferResult, "transferred" | "destination not allowed"> {
  if (sipStatus === 486 || sipStatus === 600) return "busy";
  if (sipStatus === 603) return "declined";
  if (sipStatus === 408 || sipStatus === 480 || sipStatus === 487) return "no answer";
  return "failed";
}

/** The hints the bot gets with a transfer's outcome (sent JSON-encoded, protocol/hints.ts). */
export function transferEventHints(to: string, outcome: TransferOutcome): Hints {
  if (outcome.result === "transferred") return { telephony: { event: "transferred", called: to } };
  return {
    telephony: {
      event: "transfer_failed",
      called: to,
      ...(outcome.sipStatus !== undefined ? { sipStatus: outcome.sipStatus } : {}),
      reason: outcome.result,
    },
  };
}

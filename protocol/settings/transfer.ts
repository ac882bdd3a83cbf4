import { z } from "zod";
import safeRegex from "safe-regex2";
import { plainSettings } from "./define.ts";

/**
 * Transfers (docs/api.md, "Call control"): where a transfer may go (the toll-fraud guard: empty refuses every
 * transfer), the rules that transfer on the bot's words, and what the caller hears when a transfer fails.
 */
export const TRANSFER_LIMITS = { destinations: 50, rules: 20, patternChars: 500, waitSeconds: 60, failedMessageChars: 500 } as const;

/** An allowed destination: an E.164 number or prefix (`+1415`, `+14155550100`), or an exact `sip:` URI. */
export const TransferDestinationSchema = z
  .string()
  .trim()
  .refine((value) => /^\+[1-9]\d{0,14}$/.test(value) || /^sips?:[^\s@]+@[^\s]+$/i.test(value), {
    message: "an E.164 number or prefix (+ and digits, e.g. +1415) or a sip: URI",
  });

/** Why a rule's pattern cannot be used, or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "i");
  } catch (error) {
    return `the pattern does not compile: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!safeRegex(pattern)) return "the pattern could backtrack catastrophically (nested or too many repetitions); simplify it";
  return undefined;
}

export const TransferRuleSchema = z
  .object({
    /** A regular expression (JavaScript syntax, matched case-insensitively) on the text the bot speaks. */
    pattern: z
      .string()
      .min(1)
      .max(TRANSFER_LIMITS.patternChars)
      .superRefine((pattern, ctx) => {
        const problem = patternProblem(pattern);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    /** Where to transfer: an E.164 number, `tel:` or `sip:` URI. */
    to: z.string().trim().regex(/^(?:\+[1-9]\d{1,14}|tel:\+[1-9]\d{1,14}|sips?:\S+)$/i, "an E.164 number, tel: or sip: URI"),
    /** Seconds between the end of the bot's sentence and the transfer. */
    waitSeconds: z.number().min(0).max(TRANSFER_LIMITS.waitSeconds).default(0),
  })
  .strict();
export type TransferRule = z.infer<typeof TransferRuleSchema>;

export const transferSettings = plainSettings(
  {
    transferDestinations: z.array(TransferDestinationSchema).max(TRANSFER_LIMITS.destinations),
    transferRules: z.array(TransferRuleSchema).max(TRANSFER_LIMITS.rules),
    /** Said to the caller when a transfer fails (the call goes on); empty: nothing is said. */
    transferFailedMessage: z.string().trim().max(TRANSFER_LIMITS.failedMessageChars),
  },
  { transferDestinations: [], transferRules: [], transferFailedMessage: "" },
);

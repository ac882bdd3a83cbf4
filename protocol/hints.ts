import { z } from "zod";

/**
 * `hints`: out-of-band data on a message, as the real PhoneMyBot carries it. Bots may send an object or a
 * JSON-encoded object (the real product's sample bots send a string); we always send a JSON-encoded string, since
 * those bots do `JSON.parse(req.body.hints)`. What we act on in a bot's hints is documented in docs/api.md.
 */
export type Hints = Record<string, unknown>;

export const HINTS_MAX_CHARS = 8_192;

const HintsObject = z.record(z.string(), z.unknown());

/** A bot's `hints`: an object, or a string holding a JSON object. */
export const HintsInputSchema = z.union([HintsObject, z.string().max(HINTS_MAX_CHARS)]).transform((value, ctx): Hints => {
  if (typeof value !== "string") return value;
  let decoded: unknown;
  try {
    decoded = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "hints must be an object or a JSON-encoded object" });
    return z.NEVER;
  }
  const parsed = HintsObject.safeParse(decoded);
  if (!parsed.success) {
    ctx.addIssue({ code: "custom", message: "hints must be an object or a JSON-encoded object" });
    return z.NEVER;
  }
  return parsed.data;
});

/** `hints` as we send them to a bot. */
export function encodeHints(hints: Hints): string {
  return JSON.stringify(hints);
}

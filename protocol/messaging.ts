import { z } from "zod";
import { HintsInputSchema } from "./hints.ts";
import type { MessageFormat } from "./settings/message-format.ts";

/** The messaging API path; the same method serves both directions. */
export const SEND_PATH = "/cloudengine/rest/voicebot/send/{conversation}";

/** Documented limits of the messaging API. A message over any of them is `rejected`. */
export const MESSAGE_LIMITS = {
  requestBytes: 32 * 1024,
  body: 10_000,
  opaque: 4_096,
  address: 64,
  conversationId: 128,
  dtmf: 32,
} as const;

/** Every reason the messaging API answers with, spelled exactly as documented (including "auhorization"). */
export const SEND_REASONS = [
  "delivered",
  "authorization fail",
  "missing authorization header",
  "wrong auhorization header format",
  "conversation not found",
  "rejected",
  "start not allowed",
] as const;
export type SendReason = (typeof SEND_REASONS)[number];
export type FailureReason = Exclude<SendReason, "delivered">;

export const SEND_REASON_STATUS = {
  delivered: 200,
  "authorization fail": 401,
  "missing authorization header": 401,
  "wrong auhorization header format": 401,
  "conversation not found": 404,
  rejected: 400,
  "start not allowed": 403,
} as const satisfies Record<SendReason, number>;

export const SendAnswerSchema = z.object({
  success: z.boolean(),
  reason: z.enum(SEND_REASONS),
});
export type SendAnswer = z.infer<typeof SendAnswerSchema>;

export function sendAnswer(reason: SendReason): SendAnswer {
  return { success: reason === "delivered", reason };
}

export const CONVERSATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** `new` and `last` travel as "true"/"false" strings; booleans are accepted too. */
const flag = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .transform((value) => value === true || value === "true");

/** A string field a bot may also send as null (as the real product's bots do): null reads as absent. */
const nullable = (schema: z.ZodString) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional();

/** A message as the bot sends it to us; only the one that ends the call (`last`) may have an empty body. */
export const BotMessageSchema = z
  .object({
    from: nullable(z.string().max(MESSAGE_LIMITS.address)),
    to: nullable(z.string().max(MESSAGE_LIMITS.address)),
    body: z.string().max(MESSAGE_LIMITS.body).nullish().transform((body) => body ?? ""),
    conversation: nullable(z.string().max(MESSAGE_LIMITS.conversationId)),
    opaque: nullable(z.string().max(MESSAGE_LIMITS.opaque)),
    new: flag.default(false),
    last: flag.default(false),
    /** Out-of-band data (protocol/hints.ts): an object or a JSON-encoded object. */
    hints: HintsInputSchema.nullish().transform((hints) => hints ?? undefined).optional(),
  })
  .refine((message) => message.last || message.body.trim() !== "", { path: ["body"], message: "empty without last" });
export type BotMessage = z.infer<typeof BotMessageSchema>;

/** A message for the bot before its spelling (the service's message format) is chosen. */
export interface OutgoingMessage {
  from: string;
  to: string;
  body: string;
  conversation: string;
  opaque: string;
  new: boolean;
  last: boolean;
  /** Keys the caller pressed (0-9, *, #), present only on a message that carries them. */
  dtmf?: string;
  /** Out-of-band data (call events, turn numbers), always a JSON-encoded object (protocol/hints.ts). */
  hints?: string;
}

/**
 * A message as we send it to the bot: every field present. Format `seed`: flags as "true"/"false", unknown
 * `from`/`to`/`opaque` as "". Format `booleans` (the real PhoneMyBot's): flags as JSON booleans, unknown ones as null.
 */
export type GatewayMessage = Omit<OutgoingMessage, "new" | "last" | "from" | "to" | "opaque"> & {
  from: string | null;
  to: string | null;
  opaque: string | null;
  new: "true" | "false" | boolean;
  last: "true" | "false" | boolean;
};

export const flagString = (value: boolean): "true" | "false" => (value ? "true" : "false");

export function spellMessage(message: OutgoingMessage, format: MessageFormat): GatewayMessage {
  if (format === "seed") return { ...message, new: flagString(message.new), last: flagString(message.last) };
  const orNull = (value: string) => (value === "" ? null : value);
  return { ...message, from: orNull(message.from), to: orNull(message.to), opaque: orNull(message.opaque) };
}

import { z } from "zod";
import { END_REASONS, type EndReason } from "./end-reasons.ts";
import { LANGUAGES, supportedLanguage } from "./languages.ts";
import { MESSAGE_LIMITS } from "./messaging.ts";
import { toE164 } from "./phone-numbers.ts";
import { SettingsPatchShape, SettingsViewShape } from "./service-settings.ts";
import { TRANSFER_RESULTS } from "./transfer.ts";
import { TurnSchema } from "./turns.ts";

export const MAX_NUMBERS_PER_SERVICE = 20;

export const LanguageSchema = z.string().transform((value, ctx) => {
  const tag = supportedLanguage(value);
  if (!tag) {
    ctx.addIssue({
      code: "custom",
      message: `unsupported language; use one of ${LANGUAGES.map((l) => l.tag).join(", ")}`,
    });
    return z.NEVER;
  }
  return tag;
});

export const PhoneNumberSchema = z.string().transform((value, ctx) => {
  const e164 = toE164(value);
  if (!e164) {
    ctx.addIssue({ code: "custom", message: "not a valid phone number in international format (+ country code)" });
    return z.NEVER;
  }
  return e164;
});

export const BotUrlSchema = z
  .string()
  .max(2048)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "not a URL" });
      return z.NEVER;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "the bot URL must be http or https" });
    } else if (url.username !== "" || url.password !== "") {
      ctx.addIssue({ code: "custom", message: "the bot URL must not contain credentials; use botToken" });
    }
    return value;
  });

/** A secret sent as `Authorization: Basic <botToken>`: printable ASCII without spaces. */
export const BotTokenSchema = z.string().min(1).max(512).regex(/^[\x21-\x7e]+$/, "printable characters only, no spaces");

export const AccountCreateSchema = z.object({
  email: z.email().max(254).transform((e) => e.toLowerCase()),
  password: z.string().min(10, "at least 10 characters").max(256),
});
export type AccountCreate = z.infer<typeof AccountCreateSchema>;

export const AccountCreatedSchema = z.object({ id: z.string(), email: z.string(), apiKey: z.string() });
export type AccountCreated = z.infer<typeof AccountCreatedSchema>;

export const ServiceCreateSchema = z.object({
  name: z.string().trim().min(1).max(100),
  language: LanguageSchema,
});
export type ServiceCreate = z.infer<typeof ServiceCreateSchema>;

/**
 * Limits that end a service's calls: no call lasts longer than `maxCallMinutes` (end reason `max_duration`), and a
 * call no voice agent carries (a simulated call) ends after `idleTimeoutMinutes` without a message either way (`idle`).
 */
export const CALL_LIMITS = {
  maxCallMinutes: { min: 1, max: 480, default: 60 },
  idleTimeoutMinutes: { min: 1, max: 1440, default: 10 },
} as const;
const limitMinutes = (limit: { min: number; max: number }) => z.number().int().min(limit.min).max(limit.max);

export const ServicePatchSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    language: LanguageSchema,
    numbers: z
      .array(PhoneNumberSchema)
      .max(MAX_NUMBERS_PER_SERVICE)
      .refine((list) => new Set(list).size === list.length, "the same number is listed twice"),
    botUrl: BotUrlSchema,
    botToken: BotTokenSchema,
    maxCallMinutes: limitMinutes(CALL_LIMITS.maxCallMinutes),
    idleTimeoutMinutes: limitMinutes(CALL_LIMITS.idleTimeoutMinutes),
    ...SettingsPatchShape,
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "nothing to change");
export type ServicePatch = z.infer<typeof ServicePatchSchema>;

/** The last attempt to make LiveKit match the service's numbers (absent when LiveKit was never involved). */
export const ProvisioningSchema = z.object({
  state: z.enum(["ok", "failed"]),
  error: z.string().optional(),
  at: z.string(),
});
export type Provisioning = z.infer<typeof ProvisioningSchema>;

export const ServiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  language: z.string(),
  numbers: z.array(z.string()),
  botUrl: z.string().nullable(),
  botTokenSet: z.boolean(),
  demo: z.boolean(),
  /** The longest a call may last, in minutes (1–480, default 60); then it ends as `max_duration`. */
  maxCallMinutes: z.number().int(),
  /** How long a simulated call may go without a message either way, in minutes (1–1440, default 10); then `idle`. */
  idleTimeoutMinutes: z.number().int(),
  ...SettingsViewShape,
  createdAt: z.string(),
  updatedAt: z.string(),
  provisioning: ProvisioningSchema.optional(),
});
export type Service = z.infer<typeof ServiceSchema>;

/** A service as returned when its token was just issued: the only time the token is shown. */
export const ServiceWithTokenSchema = ServiceSchema.extend({ token: z.string() });
export type ServiceWithToken = z.infer<typeof ServiceWithTokenSchema>;

export const SERVICE_EVENT_TYPES = ["created", "reconfigured", "token_issued", "demo_reset", "deleted"] as const;
export const ServiceEventSchema = z.object({
  at: z.string(),
  type: z.enum(SERVICE_EVENT_TYPES),
  fields: z.array(z.string()).optional(),
});
export type ServiceEvent = z.infer<typeof ServiceEventSchema>;

/** The outcome of making LiveKit match the service's numbers; `provisioning_failed` carries LiveKit's error. */
export const PROVISIONING_EVENT_TYPES = ["provisioned", "provisioning_failed"] as const;
export const ProvisioningEventSchema = z.object({
  at: z.string(),
  type: z.enum(PROVISIONING_EVENT_TYPES),
  error: z.string().optional(),
});
export type ProvisioningEvent = z.infer<typeof ProvisioningEventSchema>;

/** One entry of `GET /services/{id}/events`: a configuration event or a provisioning outcome. */
export const ServiceLogEntrySchema = z.union([ServiceEventSchema, ProvisioningEventSchema]);
export type ServiceLogEntry = z.infer<typeof ServiceLogEntrySchema>;

const IsoDay = z.iso.date();
export const UsageQuerySchema = z
  .object({ from: IsoDay, to: IsoDay })
  .refine((q) => q.from <= q.to, "from must not be after to")
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, "at most 366 days at a time");
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const CostLineSchema = z.object({
  item: z.string(),
  quantity: z.number(),
  unit: z.string(),
  unitPrice: z.number(),
  amount: z.number(),
});
export type CostLine = z.infer<typeof CostLineSchema>;

export const CostSchema = z.object({ currency: z.string(), total: z.number(), lines: z.array(CostLineSchema) });
export type Cost = z.infer<typeof CostSchema>;

export const UsageTotalsSchema = z.object({
  calls: z.number().int(),
  seconds: z.number().int(),
  /** Billed minutes: each call rounded up to a whole minute. */
  minutes: z.number().int(),
  sttSeconds: z.number().int(),
  ttsCharacters: z.number().int(),
  peakConcurrentCalls: z.number().int(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

export const UsageDaySchema = UsageTotalsSchema.extend({ day: z.string() });
export type UsageDay = z.infer<typeof UsageDaySchema>;

export const UsageSchema = UsageTotalsSchema.extend({
  from: z.string(),
  to: z.string(),
  days: z.array(UsageDaySchema),
  cost: CostSchema,
});
export type Usage = z.infer<typeof UsageSchema>;

const Address = z.string().trim().min(1).max(MESSAGE_LIMITS.address);
export const CallCreateSchema = z.object({ from: Address, to: Address.optional() });
export type CallCreate = z.infer<typeof CallCreateSchema>;

export const UtteranceSchema = z.object({ text: z.string().trim().min(1).max(MESSAGE_LIMITS.body) });

export { END_REASONS, type EndReason };

/** `ringing`: a call started by the bot (outbound) that has not been answered yet. */
export const CALL_STATES = ["ringing", "active", "ended"] as const;
export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** Why a call started by the bot was not connected (end reason `call_failed`), as SIP says it. */
export const CallFailureSchema = z.object({ sipStatus: z.number().int(), reason: z.string() });
export type CallFailure = z.infer<typeof CallFailureSchema>;
export const DELIVERY_STATES = ["pending", "delivered", "failed", "test_chat"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const CallMessageSchema = z.object({
  direction: z.enum(["to_bot", "from_bot"]),
  body: z.string(),
  at: z.string(),
  new: z.boolean().optional(),
  last: z.boolean(),
  /** For messages to the bot: whether the bot got it; `test_chat` when the service is in demo mode. */
  delivery: z.enum(DELIVERY_STATES).optional(),
  attempts: z.number().int().optional(),
  error: z.string().optional(),
  dtmf: z.string().optional(),
  /** For messages from the bot that the caller talked over: what had been spoken when playback stopped. */
  spokenText: z.string().optional(),
  /** For messages from the bot: the `<context name>`s not in the speech-context catalogue, ignored by the recognizer. */
  unknownContexts: z.array(z.string()).optional(),
  /** Out-of-band data (protocol/hints.ts): from the bot, the hints it sent; to the bot, the hints we sent. */
  hints: z.record(z.string(), z.unknown()).optional(),
});
export type CallMessage = z.infer<typeof CallMessageSchema>;

export const CallTransferSchema = z.object({ to: z.string(), result: z.enum(TRANSFER_RESULTS) });
export type CallTransfer = z.infer<typeof CallTransferSchema>;

export const CallSchema = z.object({
  conversation: z.string(),
  serviceId: z.string(),
  from: z.string(),
  to: z.string(),
  state: z.enum(CALL_STATES),
  /** `outbound` for a call the bot started (send API with `new`), `inbound` for every other. */
  direction: z.enum(CALL_DIRECTIONS),
  /** For a call the bot started that ended as `call_failed`: the SIP status and reason; null otherwise. */
  failure: CallFailureSchema.nullable(),
  /** When the call started (for an outbound call: when it was placed). */
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  failedDeliveries: z.number().int(),
  /** The LiveKit room the call was in (phone and LiveKit browser calls), for support; null for other calls. */
  room: z.string().nullable(),
  /** The call's last transfer and how it ended (protocol/transfer.ts); null when none was asked for. */
  transfer: CallTransferSchema.nullable(),
  messages: z.array(CallMessageSchema),
  /** Each caller turn's times and latency spans (protocol/turns.ts); `message`/`reply` index `messages`. */
  turns: z.array(TurnSchema),
});
export type Call = z.infer<typeof CallSchema>;

export const CallSummarySchema = CallSchema.omit({ messages: true, serviceId: true, room: true, turns: true });
export type CallSummary = z.infer<typeof CallSummarySchema>;

export const CallListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Only the calls in this state (e.g. `ringing`: the outbound calls a simulated phone may answer). */
  state: z.enum(CALL_STATES).optional(),
});

export const TestSessionSchema = z.object({
  id: z.string(),
  /** Shown once, when the session is created. */
  pin: z.string(),
  state: z.enum(["waiting", "connected", "expired"]),
  conversation: z.string().nullable(),
  expiresAt: z.string(),
});
export type TestSession = z.infer<typeof TestSessionSchema>;

export const PinEntrySchema = z.object({ pin: z.string().regex(/^[0-9]{4}$/, "four digits") });
export const PinResultSchema = z.object({ ok: z.boolean(), attemptsLeft: z.number().int() });
export type PinResult = z.infer<typeof PinResultSchema>;
export const MAX_PIN_ATTEMPTS = 3;

export const ErrorBodySchema = z.object({ error: z.string(), details: z.array(z.unknown()).optional() });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

import { z } from "zod";
import { type CallMessage, CallSchema, END_REASONS } from "./management.ts";
import { MESSAGE_LIMITS } from "./messaging.ts";
import type { SayCues } from "./say-cues.ts";
import type { ServiceSettingsView } from "./service-settings.ts";
import { TRANSFER_RESULTS } from "./transfer.ts";
import { CallerTimingSchema, PlayoutTimingSchema } from "./turns.ts";

/**
 * The caller-side WebSockets onto a call's Conversation Durable Object.
 *
 * Agent socket: `GET /agent/v1/conversations/{conversation}` (WebSocket upgrade) with
 * `Authorization: Bearer <AGENT_SECRET>`. The conversation id is chosen by the agent: a random UUID for every call
 * (never derived from the caller's number; a LiveKit call sends its room name in `start`). The agent's first message
 * is `start`; everything the bot says arrives as `say`, in order.
 *
 * A socket that drops mid-call (a network blip, the gateway restarting) is opened again by the agent, whose first
 * message on it is `resume`: the gateway answers `resumed` with how many of the agent's messages after `start` it
 * has applied (the agent sends the rest again), then every `say` after `lastSayId`. The gateway ends the call as
 * `agent_lost` only when no agent socket has come back within its grace period (AGENT_RECONNECT_GRACE_MS).
 *
 * Test-chat socket: `GET /api/v1/calls/{conversation}/chat` (WebSocket upgrade) for the account that owns the
 * call's service (API key or portal session). The chat plays the bot for a service in demo mode.
 */

/** Our notices to the bot (`hints.event` of an empty message). */
export const BOT_NOTICES = ["reprompt", "endofprompt", "turn_resumed"] as const;
export type BotNotice = (typeof BOT_NOTICES)[number];

const Digits = z.string().regex(/^[0-9*#]{1,32}$/);
const Text = z.string().max(MESSAGE_LIMITS.body);

/** What the agent sends. */
export const AgentToGatewaySchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("start"),
    /** The caller's number (or a browser caller's label). */
    from: z.string().min(1).max(MESSAGE_LIMITS.address),
    /** The called number; the gateway finds the service that owns it. */
    to: z.string().max(MESSAGE_LIMITS.address).optional(),
    /** For browser calls, which name their service directly. */
    serviceId: z.string().max(64).optional(),
    transport: z.enum(["sip", "browser", "local"]),
    /** The LiveKit room the call is in (phone and LiveKit browser calls), kept on the call record for support. */
    room: z.string().max(128).optional(),
    /**
     * The callee of a call the bot started, on the socket of that call's id (with `serviceId`): the call is answered,
     * and the gateway sends, after `started`, what the bot has said so far (its opening `body` first).
     */
    outbound: z.boolean().optional(),
  }),
  /** The first message on a socket opened again mid-call, in place of `start`. */
  z.object({ type: z.literal("resume"), lastSayId: z.number().int().nonnegative() }),
  /**
   * A final transcript of the caller's turn; `turn` numbers the caller's turns from 1 (the bot gets it as `hints.turn`);
   * `timing`: when the caller stopped speaking and when it was transcribed.
   */
  z.object({
    type: z.literal("transcript"),
    text: Text.min(1),
    turn: z.number().int().positive().optional(),
    timing: CallerTimingSchema.optional(),
  }),
  /**
   * Something the bot asked to be told of (conversation settings): a silence reprompt was said (`reprompt`), one of
   * its messages finished playing (`endofprompt`, with that message's `id`), or the caller went on after a turn sent
   * on Flux's eager end of turn (`turn_resumed`, with that superseded `turn`: voice setting `eagerEndOfTurn`). The bot
   * gets an empty message with `hints.event` (and `hints.turn`).
   */
  z.object({
    type: z.literal("notice"),
    event: z.enum(BOT_NOTICES),
    id: z.number().int().optional(),
    turn: z.number().int().positive().optional(),
  }),
  /** Bot message `id` has played (or was cut): when the agent got it, its first audio out, its end (protocol/turns.ts). */
  z.object({ type: z.literal("playout"), id: z.number().int(), ...PlayoutTimingSchema.shape }),
  /** A clock probe (protocol/clock.ts), answered at once with `clock`; not counted among the messages `resumed` counts. */
  z.object({ type: z.literal("clock"), agentSentAt: z.number() }),
  /** Keys pressed outside the PIN prompt; they reach the bot in the message's `dtmf` field. */
  z.object({ type: z.literal("dtmf"), digits: Digits }),
  /** The 4-digit test PIN the caller keyed in. */
  z.object({ type: z.literal("pin"), pin: z.string().regex(/^[0-9]{4}$/) }),
  /** The caller barged in: what of bot message `id` had been spoken when playback stopped. */
  z.object({ type: z.literal("interrupted"), id: z.number().int(), spokenText: Text }),
  /** Speech usage since the last report, for monitoring and cost. */
  z.object({ type: z.literal("usage"), sttSeconds: z.number().nonnegative(), ttsCharacters: z.number().int().nonnegative() }),
  /**
   * The transfer a `say` asked for has ended: `transferred` (the caller is gone; the call is over) or why it failed
   * (the call goes on). `sipStatus`: the destination's SIP answer, when there was one.
   */
  z.object({
    type: z.literal("transfer_result"),
    to: z.string().min(1).max(MESSAGE_LIMITS.address * 4),
    result: z.enum(TRANSFER_RESULTS),
    sipStatus: z.number().int().min(100).max(699).optional(),
  }),
  /** The bot's `last` message has been spoken; the call is over. */
  z.object({ type: z.literal("finished") }),
  /**
   * The call is over on the caller's side: the caller hung up, or the agent hung up on them after three wrong test
   * PINs (`pin_failed`), because speech recognition or synthesis failed for good (`speech_failed`), after the
   * caller's silence outlasted every reprompt (`silence_timeout`) or the bot did not answer in time
   * (`bot_not_responding`), as the service's conversation settings ask.
   */
  z.object({ type: z.literal("hangup"), reason: z.enum(["pin_failed", "speech_failed", "silence_timeout", "bot_not_responding"]).optional() }),
]);
export type AgentToGateway = z.infer<typeof AgentToGatewaySchema>;

/**
 * A transfer the gateway decided on (protocol/transfer.ts): after `waitMs`, transfer the caller to `to`, letting it
 * ring `timeoutMs` at most; or, when the service does not allow that destination (`allowed: false`), only say the
 * service's `transferFailedMessage` (the gateway has told the bot already). The `<transfer>` tag in a body is not
 * acted on by the agent: the gateway decides, so that its guard cannot be bypassed.
 */
export interface SayTransfer {
  to: string;
  timeoutMs?: number;
  waitMs: number;
  allowed: boolean;
}

/** What the gateway sends to the agent. */
export type GatewayToAgent =
  /** `settings`: the service's settings (protocol/service-settings.ts), secrets left out; `accountId`: the service's owner, for logs. */
  | { type: "started"; conversation: string; serviceId: string; language: string; testMode: boolean; settings: ServiceSettingsView; accountId?: string }
  /** The answer to `resume`: how many of the agent's messages after `start` the gateway has applied. */
  | { type: "resumed"; received: number }
  /**
   * Something for the caller to hear, in order; `last` means hang up once it has been spoken. The bot's hints that
   * matter to speech come along as typed fields (protocol/say-cues.ts): `inReplyTo`, `bargeIn`, `keyterms`. `dtmf`:
   * keys to send once it has been spoken (the bot's hints). `transfer`: what to do once it has been spoken (SayTransfer).
   */
  | ({ type: "say"; id: number; body: string; last: boolean; dtmf?: string; transfer?: SayTransfer } & SayCues)
  | { type: "pin_result"; ok: boolean; attemptsLeft: number }
  /** The answer to a clock probe: the gateway's time when it answered. */
  | { type: "clock"; agentSentAt: number; gatewayAt: number }
  /** A message could not be delivered to the bot for good: tell the caller something went wrong. */
  | { type: "delivery_failed" }
  | { type: "ended"; reason: (typeof END_REASONS)[number] }
  | { type: "error"; reason: "service_not_found" | "bad_message" | "conversation_exists" | "not_started" };

/** What the test chat sends: a message as the bot (`last` ends the call). */
export const ChatToGatewaySchema = z.object({ type: z.literal("say"), body: Text, last: z.boolean().default(false) });
export type ChatToGateway = z.infer<typeof ChatToGatewaySchema>;

/** What the test chat receives. */
export type GatewayToChat =
  | { type: "snapshot"; call: z.infer<typeof CallSchema> }
  | { type: "message"; message: CallMessage }
  | { type: "ended"; reason: (typeof END_REASONS)[number] }
  | { type: "error"; message: string };

export const AGENT_SOCKET_PATH = "/agent/v1/conversations/{conversation}";

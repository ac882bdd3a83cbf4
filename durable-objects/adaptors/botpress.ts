import { z } from "zod";
import { say } from "./replies.ts";
import type { BotReply, PlatformTurn } from "./types.ts";

/**
 * Botpress Chat API (pure). The bot URL is the Chat integration's webhook URL, `https://chat.botpress.cloud/{webhookId}`.
 * The call's start creates a user (`POST /users`, whose answer carries the user's key, sent as `x-user-key` from then
 * on) and a conversation (`POST /conversations`); the caller's words (and keys, as text) are `POST /messages` with a
 * text payload; the bot's messages are read with `GET /conversations/{id}/messages`. The call's end is not sent.
 */
export interface BotpressSession {
  userKey: string;
  userId: string;
  conversationId: string;
  postedSeq: number;
  /** The bot's messages already turned into replies (the listing returns the conversation's latest messages each time). */
  seen: string[];
}
/** How many seen message ids a call keeps (the listing's page is smaller). */
export const SEEN_KEPT = 200;

export const botpressBase = (botUrl: string) => botUrl.replace(/\/+$/, "");

export function botpressMessage(turn: PlatformTurn, conversationId: string): Record<string, unknown> | null {
  if (turn.kind === "text") return { conversationId, payload: { type: "text", text: turn.text } };
  if (turn.kind === "dtmf") return { conversationId, payload: { type: "text", text: turn.digits } };
  return null;
}

export const CreateUserAnswer = z.object({ user: z.object({ id: z.string().min(1) }).loose(), key: z.string().min(1) }).loose();
export const CreateConversationAnswer = z.object({ conversation: z.object({ id: z.string().min(1) }).loose() }).loose();

const Message = z
  .object({
    id: z.string(),
    userId: z.string(),
    createdAt: z.string().optional(),
    payload: z.record(z.string(), z.unknown()),
  })
  .loose();
export const MessageList = z.object({ messages: z.array(Message) }).loose();
export type MessageList = z.infer<typeof MessageList>;

/** The text a Botpress payload carries for a voice call: `text` (text, choice, dropdown…) or `markdown`. */
function spoken(payload: Record<string, unknown>): string | undefined {
  const text = payload.text ?? payload.markdown;
  return typeof text === "string" && text.trim() !== "" ? text : undefined;
}

/** The bot's messages not seen yet, oldest first, as bot messages; and their ids. */
export function botpressReplies(list: MessageList, userId: string, seen: readonly string[]): { replies: BotReply[]; ids: string[] } {
  const known = new Set(seen);
  const fresh = list.messages
    .filter((m) => m.userId !== userId && !known.has(m.id))
    .sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  return {
    replies: fresh.flatMap((m) => {
      const text = spoken(m.payload);
      return text === undefined ? [] : [say(text)];
    }),
    ids: fresh.map((m) => m.id),
  };
}

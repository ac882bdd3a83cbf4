import { z } from "zod";
import { endCall, say, sendDigits, transfer } from "./replies.ts";
import type { BotReply, PlatformTurn } from "./types.ts";

/**
 * Microsoft Bot Framework Direct Line 3.0 (pure). The bot URL is the Direct Line base,
 * `https://directline.botframework.com/v3/directline` (or a regional one); every request carries
 * `Authorization: Bearer <Direct Line secret>`. The call's start opens a Direct Line conversation
 * (`POST /conversations`) and posts a `conversationStart` event; the caller's words are `message` activities,
 * keys a `DTMF` event, the call's end an `endOfConversation` activity. The bot's activities are read with
 * `GET /conversations/{id}/activities?watermark=`.
 */
export interface DirectLineSession {
  conversationId: string;
  watermark?: string;
  /** The last message of the call posted to Direct Line (a retry after a failed read does not post it again). */
  postedSeq: number;
}

export const directLineBase = (botUrl: string) => botUrl.replace(/\/+$/, "");
export const conversationsUrl = (botUrl: string) => `${directLineBase(botUrl)}/conversations`;
export const activitiesUrl = (botUrl: string, conversationId: string, watermark?: string) =>
  `${conversationsUrl(botUrl)}/${encodeURIComponent(conversationId)}/activities${watermark !== undefined ? `?watermark=${encodeURIComponent(watermark)}` : ""}`;

/** The caller as a Direct Line channel account: the caller's number (our conversation id when it is unknown). */
export function caller(turn: PlatformTurn): { id: string; name: string; role: "user" } {
  const id = turn.from !== "" ? turn.from : turn.conversation;
  return { id, name: id, role: "user" };
}

/** The activity that carries a turn to the bot. */
export function directLineActivity(turn: PlatformTurn): Record<string, unknown> {
  const base = {
    from: caller(turn),
    locale: turn.language,
    channelData: { conversation: turn.conversation, from: turn.from, to: turn.to },
  };
  switch (turn.kind) {
    case "start":
      return { ...base, type: "event", name: "conversationStart", value: { from: turn.from, to: turn.to } };
    case "text":
      return { ...base, type: "message", text: turn.text };
    case "dtmf":
      return { ...base, type: "event", name: "DTMF", value: turn.digits };
    case "end":
      return { ...base, type: "endOfConversation" };
  }
}

export const StartConversationAnswer = z.object({ conversationId: z.string().min(1) }).loose();

const Activity = z
  .object({
    type: z.string(),
    from: z.object({ id: z.string() }).loose().optional(),
    text: z.string().optional(),
    speak: z.string().optional(),
    name: z.string().optional(),
    value: z.unknown().optional(),
  })
  .loose();
export const ActivitySet = z.object({ activities: z.array(Activity), watermark: z.string().optional() }).loose();
export type ActivitySet = z.infer<typeof ActivitySet>;

/**
 * The bot's activities as bot messages. Activities from the caller (echoed by Direct Line) are skipped. A
 * `message` says its `speak` (SSML, tags removed) or else its `text`; `endOfConversation` ends the call; an event
 * named `transfer` (value: the target, or `{transferTarget}`) transfers; an event named `sendDTMF` (value: the
 * digits) sends keys. `ended` tells whether the bot ended the conversation.
 */
export function directLineReplies(set: ActivitySet, callerId: string): { replies: BotReply[]; ended: boolean } {
  let replies: BotReply[] = [];
  let ended = false;
  for (const activity of set.activities) {
    if (activity.from?.id === callerId) continue;
    if (activity.type === "message") {
      const text = activity.speak ?? activity.text ?? "";
      if (text.trim() !== "") replies.push(say(text));
    } else if (activity.type === "endOfConversation") {
      ended = true;
    } else if (activity.type === "event" && activity.name === "transfer") {
      const value = activity.value;
      const target =
        typeof value === "string"
          ? value
          : typeof value === "object" && value !== null && typeof (value as { transferTarget?: unknown }).transferTarget === "string"
            ? (value as { transferTarget: string }).transferTarget
            : undefined;
      replies.push(transfer(target));
    } else if (activity.type === "event" && activity.name === "sendDTMF" && typeof activity.value === "string") {
      const digits = sendDigits(activity.value);
      if (digits) replies.push(digits);
    }
  }
  if (ended) replies = endCall(replies);
  return { replies, ended };
}

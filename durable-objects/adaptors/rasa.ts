import { z } from "zod";
import { endCall, say, sendDigits, transfer } from "./replies.ts";
import type { BotReply, PlatformTurn } from "./types.ts";

/**
 * Rasa's REST channel (pure): `POST {bot URL}/webhooks/rest/webhook {sender, message}` answers an array of bot
 * messages. The sender is our conversation id, so Rasa keeps one tracker per call.
 */
export const RASA_WEBHOOK_PATH = "/webhooks/rest/webhook";

/** The call's start is Rasa's `/session_start` (runs `action_session_start`: a greeting in the domain is said). */
export const RASA_SESSION_START = "/session_start";

export function rasaWebhookUrl(botUrl: string): string {
  return `${botUrl.replace(/\/+$/, "")}${RASA_WEBHOOK_PATH}`;
}

/** The request body for a turn; null when Rasa is not told (the end of the call: Rasa has no notion of it). */
export function rasaRequest(turn: PlatformTurn): { sender: string; message: string; metadata: Record<string, string> } | null {
  const metadata = { from: turn.from, to: turn.to, language: turn.language };
  switch (turn.kind) {
    case "start":
      return { sender: turn.conversation, message: RASA_SESSION_START, metadata };
    case "text":
      return { sender: turn.conversation, message: turn.text, metadata };
    case "dtmf":
      return { sender: turn.conversation, message: turn.digits, metadata };
    case "end":
      return null;
  }
}

const RasaMessage = z
  .object({
    recipient_id: z.string().optional(),
    text: z.string().optional(),
    custom: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
const RasaAnswer = z.array(RasaMessage);

/**
 * Rasa's answer as bot messages: each `text` is said; a `custom` payload may carry `{"hangup": true}`,
 * `{"transfer": "+1…"}` or `{"dtmf": "12#"}` (markup in the text, such as `<hangup/>`, works as for any bot).
 * Undefined when the answer is not Rasa's array.
 */
export function rasaReplies(answer: unknown): BotReply[] | undefined {
  const parsed = RasaAnswer.safeParse(answer);
  if (!parsed.success) return undefined;
  let replies: BotReply[] = [];
  let hangup = false;
  for (const message of parsed.data) {
    if (message.text !== undefined && message.text.trim() !== "") replies.push(say(message.text));
    const custom = message.custom ?? {};
    if (typeof custom.dtmf === "string") {
      const digits = sendDigits(custom.dtmf);
      if (digits) replies.push(digits);
    }
    if (typeof custom.transfer === "string") replies.push(transfer(custom.transfer));
    if (custom.hangup === true) hangup = true;
  }
  if (hangup) replies = endCall(replies);
  return replies;
}

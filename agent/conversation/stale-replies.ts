import type { StaleReplyPolicy } from "../../protocol/settings/conversation.ts";

/**
 * A bot reply to a caller turn older than the latest (`hints.inReplyTo` < the latest turn we sent) answers a question
 * the caller has moved past. `speak`: spoken as usual; `drop`: not spoken; `speak_if_latest`: spoken only if no bot
 * message has arrived after it. Replies without `inReplyTo` are never stale.
 */
export function shouldSpeakReply(policy: StaleReplyPolicy, reply: { inReplyTo?: number | undefined; newerArrived: boolean }, latestTurn: number): boolean {
  const stale = reply.inReplyTo !== undefined && reply.inReplyTo < latestTurn;
  if (!stale || policy === "speak") return true;
  if (policy === "drop") return false;
  return !reply.newerArrived;
}

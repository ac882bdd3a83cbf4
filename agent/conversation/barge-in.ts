import type { BargeInPolicy } from "../../protocol/settings/conversation.ts";

/**
 * The barge-in policy (conversation setting `bargeIn`): what may cut the bot off. A message with `hints.bargein: false`
 * is heard whole whatever the policy (legal text, a code to write down).
 */
export function voiceInterrupts(policy: BargeInPolicy, messageAllows = true): boolean {
  return messageAllows && (policy === "any" || policy === "speech");
}

export function keysInterrupt(policy: BargeInPolicy, messageAllows = true): boolean {
  return messageAllows && (policy === "any" || policy === "dtmf");
}

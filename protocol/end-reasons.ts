/**
 * Why a call ended, and how to say it to a person. The one table the gateway, the agent, the portal and the docs
 * (docs/api.md, "End reasons") use.
 */
export const END_REASON_TEXT = {
  caller_hangup: "the caller hung up",
  bot_hangup: "the bot ended the call",
  agent_lost: "the line was lost",
  pin_failed: "three wrong PINs",
  speech_failed: "speech recognition or synthesis failed",
  service_deleted: "the service was deleted",
  max_duration: "the call reached the service's maximum duration",
  idle: "nothing was said for too long",
  silence_timeout: "the caller stayed silent after every reprompt",
  bot_not_responding: "the bot did not answer in time",
  transferred: "the caller was transferred",
  call_failed: "the call started by the bot was not answered, or failed",
} as const;

export type EndReason = keyof typeof END_REASON_TEXT;
export const END_REASONS = Object.keys(END_REASON_TEXT) as [EndReason, ...EndReason[]];

/** Words for an end reason, or the reason itself when it is not one of ours (an older or newer peer). */
export function endReasonText(reason: string): string {
  return (END_REASON_TEXT as Record<string, string>)[reason] ?? reason.replaceAll("_", " ");
}

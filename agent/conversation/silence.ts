import type { ConversationSettings } from "../../protocol/settings/conversation.ts";

type SilenceSettings = Pick<ConversationSettings, "silenceSeconds" | "silenceMaxReprompts" | "silenceEndsCall">;

/**
 * Silence reprompts: after `silenceSeconds` of caller silence following the bot's speech, a reprompt, at most
 * `silenceMaxReprompts` in a row; after one more silence, the end of the call (if `silenceEndsCall`) or nothing more.
 * `reprompts` counts those said since the caller last spoke (or the bot last said something of its own).
 */
export type SilenceAction = { kind: "reprompt"; count: number } | { kind: "end_call" } | { kind: "wait" };

export function afterSilence(reprompts: number, settings: SilenceSettings): SilenceAction {
  if (reprompts < settings.silenceMaxReprompts) return { kind: "reprompt", count: reprompts + 1 };
  return settings.silenceEndsCall ? { kind: "end_call" } : { kind: "wait" };
}

/** Whether silence is watched at all (0 seconds = off). */
export const silenceWatched = (settings: SilenceSettings) => settings.silenceSeconds > 0;

import type { ConversationSettings } from "../../protocol/settings/conversation.ts";
import { normalizeYesNo } from "./yes-no.ts";

/** What becomes of a final caller turn (conversation settings), decided apart from the call's I/O. */
export type TurnOutcome =
  /** The caller asked to hear the bot's last message again: it is repeated, nothing reaches the bot. */
  | { kind: "repeat" }
  /** The recognizer was not sure enough (or heard nothing): a no-match message, nothing reaches the bot. */
  | { kind: "no_match" }
  | { kind: "send"; text: string };

type TurnSettings = Pick<ConversationSettings, "repeatPattern" | "noMatchConfidence" | "yesNoAlternatives" | "yesWords" | "noWords">;

/** `confidence`: the recognizer's for this turn, when it gives one (the offline recognizer with a grammar does not). */
export function classifyTurn(text: string, confidence: number | undefined, language: string, settings: TurnSettings): TurnOutcome {
  const trimmed = text.trim();
  if (settings.noMatchConfidence > 0 && (trimmed === "" || (confidence !== undefined && confidence < settings.noMatchConfidence))) {
    return { kind: "no_match" };
  }
  if (settings.repeatPattern !== "" && repeatMatcher(settings.repeatPattern)?.test(trimmed)) return { kind: "repeat" };
  if (settings.yesNoAlternatives) {
    return { kind: "send", text: normalizeYesNo(trimmed, language, { yes: settings.yesWords, no: settings.noWords }) };
  }
  return { kind: "send", text: trimmed };
}

const matchers = new Map<string, RegExp | undefined>();

/** The compiled repeat pattern (case-insensitive), or undefined if it does not compile (the gateway refuses those). */
function repeatMatcher(pattern: string): RegExp | undefined {
  if (!matchers.has(pattern)) {
    let compiled: RegExp | undefined;
    try {
      compiled = new RegExp(pattern, "iu");
    } catch {
      compiled = undefined;
    }
    if (matchers.size > 100) matchers.clear();
    matchers.set(pattern, compiled);
  }
  return matchers.get(pattern);
}

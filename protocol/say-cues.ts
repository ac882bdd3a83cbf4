import type { Hints } from "./hints.ts";

/**
 * What the agent needs of a bot message's `hints` to speak it (docs/api.md, "Conversation settings"): the caller
 * turn it answers (`inReplyTo`), whether the caller may cut it off (`bargein: false` = heard whole) and the words
 * to expect in the caller's next utterance (`stt.keyterms`). Carried on the bridge's `say` as typed fields.
 */
export interface SayCues {
  inReplyTo?: number;
  bargeIn?: false;
  keyterms?: string[];
}

const MAX_KEYTERMS = 100;
const MAX_KEYTERM_CHARS = 50;

/** The cues in a bot's hints; anything malformed is ignored (hints are advisory). */
export function sayCues(hints: Hints | undefined): SayCues {
  if (!hints) return {};
  const cues: SayCues = {};
  const inReplyTo = typeof hints.inReplyTo === "string" ? Number(hints.inReplyTo) : hints.inReplyTo;
  if (typeof inReplyTo === "number" && Number.isSafeInteger(inReplyTo) && inReplyTo >= 0) cues.inReplyTo = inReplyTo;
  if (hints.bargein === false || hints.bargein === "false") cues.bargeIn = false;
  const stt = hints.stt;
  if (typeof stt === "object" && stt !== null && Array.isArray((stt as Hints).keyterms)) {
    const keyterms = ((stt as Hints).keyterms as unknown[])
      .filter((k): k is string => typeof k === "string" && k.trim() !== "")
      .map((k) => k.trim().slice(0, MAX_KEYTERM_CHARS))
      .slice(0, MAX_KEYTERMS);
    if (keyterms.length > 0) cues.keyterms = keyterms;
  }
  return cues;
}

/** The cues of a stored message's hints (a JSON string, or null). */
export function sayCuesOfStored(hints: string | null): SayCues {
  if (!hints) return {};
  try {
    const parsed: unknown = JSON.parse(hints);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? sayCues(parsed as Hints) : {};
  } catch {
    return {};
  }
}

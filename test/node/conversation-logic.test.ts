import { describe, expect, it } from "vitest";
import { keysInterrupt, voiceInterrupts } from "../../agent/conversation/barge-in.ts";
import { classifyTurn } from "../../agent/conversation/caller-turn.ts";
import { pickMessage } from "../../agent/conversation/pick.ts";
import { afterSilence } from "../../agent/conversation/silence.ts";
import { shouldSpeakReply } from "../../agent/conversation/stale-replies.ts";
import { normalizeYesNo } from "../../agent/conversation/yes-no.ts";
import { PROMPT_LANGUAGES, promptsFor } from "../../agent/prompts.ts";
import { LANGUAGES } from "../../protocol/languages.ts";
import { parseMarkup } from "../../protocol/markup.ts";
import { sayCues, sayCuesOfStored } from "../../protocol/say-cues.ts";
import { conversationSettings } from "../../protocol/settings/conversation.ts";

const defaults = conversationSettings.defaults;
const none = { yes: [], no: [] };

describe("conversation settings: the agent's decisions (agent/conversation/)", () => {
  it("maps a whole utterance that means yes or no to the language's word, with the service's own additions", () => {
    expect(normalizeYesNo("Yeah.", "en-US", none)).toBe("yes");
    expect(normalizeYesNo("yep", "en-GB", none)).toBe("yes");
    expect(normalizeYesNo("Sure!", "en-US", none)).toBe("yes");
    expect(normalizeYesNo("correct", "en-US", none)).toBe("yes");
    expect(normalizeYesNo("Nope", "en-US", none)).toBe("no");
    expect(normalizeYesNo("ouais", "fr-FR", none)).toBe("oui");
    expect(normalizeYesNo("claro", "es-ES", none)).toBe("sí");
    expect(normalizeYesNo("genau", "de-DE", none)).toBe("ja");
    // A sentence is not a yes, and an unknown word stays as said until the service adds it.
    expect(normalizeYesNo("sure I can come at ten", "en-US", none)).toBe("sure I can come at ten");
    expect(normalizeYesNo("roger", "en-US", none)).toBe("roger");
    expect(normalizeYesNo("Roger!", "en-US", { yes: ["roger"], no: ["no way"] })).toBe("yes");
    expect(normalizeYesNo("no way", "en-US", { yes: ["roger"], no: ["no way"] })).toBe("no");
  });

  it("classifies a caller turn: repeat, no match, yes/no, or the words as said (all off by default)", () => {
    expect(classifyTurn("say that again", 0.1, "en-US", defaults)).toEqual({ kind: "send", text: "say that again" });
    expect(classifyTurn("yeah", 0.9, "en-US", defaults)).toEqual({ kind: "send", text: "yeah" });
    const on = { ...defaults, repeatPattern: "repeat|say that again|pardon", noMatchConfidence: 0.5, yesNoAlternatives: true };
    expect(classifyTurn("Could you say that again please", 0.9, "en-US", on)).toEqual({ kind: "repeat" });
    expect(classifyTurn("PARDON?", undefined, "en-US", on)).toEqual({ kind: "repeat" });
    expect(classifyTurn("book a table", 0.3, "en-US", on)).toEqual({ kind: "no_match" });
    expect(classifyTurn("  ", undefined, "en-US", on)).toEqual({ kind: "no_match" });
    // No confidence given (the offline recognizer with a grammar) is not a no-match.
    expect(classifyTurn("book a table", undefined, "en-US", on)).toEqual({ kind: "send", text: "book a table" });
    expect(classifyTurn("yeah", 0.9, "en-US", on)).toEqual({ kind: "send", text: "yes" });
  });

  it("reprompts after silence at most M times, then ends the call only when so set", () => {
    const settings = { silenceSeconds: 5, silenceMaxReprompts: 2, silenceEndsCall: true };
    expect(afterSilence(0, settings)).toEqual({ kind: "reprompt", count: 1 });
    expect(afterSilence(1, settings)).toEqual({ kind: "reprompt", count: 2 });
    expect(afterSilence(2, settings)).toEqual({ kind: "end_call" });
    expect(afterSilence(2, { ...settings, silenceEndsCall: false })).toEqual({ kind: "wait" });
  });

  it("speaks, drops or conditionally speaks a reply to an older turn; replies without inReplyTo are never stale", () => {
    const reply = (inReplyTo: number | undefined, newerArrived = false) => ({ inReplyTo, newerArrived });
    expect(shouldSpeakReply("speak", reply(1), 2)).toBe(true);
    expect(shouldSpeakReply("drop", reply(1), 2)).toBe(false);
    expect(shouldSpeakReply("drop", reply(2), 2)).toBe(true);
    expect(shouldSpeakReply("drop", reply(undefined), 2)).toBe(true);
    expect(shouldSpeakReply("speak_if_latest", reply(1, false), 2)).toBe(true);
    expect(shouldSpeakReply("speak_if_latest", reply(1, true), 2)).toBe(false);
    expect(shouldSpeakReply("speak_if_latest", reply(2, true), 2)).toBe(true);
  });

  it("lets voice and keys cut the bot off as the barge-in policy says, never a bargein:false message", () => {
    expect([voiceInterrupts("any"), keysInterrupt("any")]).toEqual([true, true]);
    expect([voiceInterrupts("speech"), keysInterrupt("speech")]).toEqual([true, false]);
    expect([voiceInterrupts("dtmf"), keysInterrupt("dtmf")]).toEqual([false, true]);
    expect([voiceInterrupts("none"), keysInterrupt("none")]).toEqual([false, false]);
    expect([voiceInterrupts("any", false), keysInterrupt("any", false)]).toEqual([false, false]);
  });

  it("picks one of the service's messages at random, or the built-in one", () => {
    expect(pickMessage([], "built in")).toBe("built in");
    expect(pickMessage(["a", "b", "c"], "x", () => 0)).toBe("a");
    expect(pickMessage(["a", "b", "c"], "x", () => 0.999)).toBe("c");
  });

  it("has every built-in sentence in every supported language", () => {
    const english = promptsFor("en-US");
    for (const { tag } of LANGUAGES) {
      const prompts = promptsFor(tag);
      for (const [key, text] of Object.entries(prompts)) expect(text, `${tag} ${key}`).toMatch(/\S/);
      if (!tag.startsWith("en")) expect(prompts.pinRequest, tag).not.toBe(english.pinRequest);
    }
    expect(PROMPT_LANGUAGES.length).toBeGreaterThanOrEqual(new Set(LANGUAGES.map((l) => l.tag.split("-")[0])).size - 1);
  });
});

describe("the bot's hints for speech (protocol/say-cues.ts) and <context> markup", () => {
  it("reads inReplyTo, bargein:false and stt.keyterms from an object or a stored JSON string, ignoring junk", () => {
    expect(sayCues({ inReplyTo: 3, bargein: false, stt: { keyterms: ["Margherita", " ", 7] } })).toEqual({ inReplyTo: 3, bargeIn: false, keyterms: ["Margherita"] });
    expect(sayCues({ inReplyTo: "4", bargein: "false" })).toEqual({ inReplyTo: 4, bargeIn: false });
    expect(sayCues({ inReplyTo: -1, bargein: true, stt: "x" })).toEqual({});
    expect(sayCues(undefined)).toEqual({});
    expect(sayCuesOfStored(JSON.stringify({ inReplyTo: 2 }))).toEqual({ inReplyTo: 2 });
    expect(sayCuesOfStored("not json")).toEqual({});
    expect(sayCuesOfStored(null)).toEqual({});
  });

  it("exposes <context name> from the one markup parser, never spoken", () => {
    const parsed = parseMarkup(`Your order number?<context name="digits"/>`);
    expect(parsed.spokenText).toBe("Your order number?");
    expect(parsed.contexts).toEqual(["digits"]);
    expect(parseMarkup("Hello.").contexts).toBeUndefined();
  });
});

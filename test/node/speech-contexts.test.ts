import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMarkup } from "../../protocol/markup.ts";
import { JSGF_RULES, jsgfRuleDefinitions, jsgfWords } from "../../protocol/speech-context-grammars.ts";
import { SPEECH_CONTEXTS, SPEECH_CONTEXT_CATALOGUE, speechContextNamed, utteranceHint } from "../../protocol/speech-contexts.ts";
import { NextUtterance } from "../../agent/conversation/next-utterance.ts";

/** The speech-context catalogue (protocol/speech-contexts.ts) and its offline grammars: pure. */
describe("speech contexts", () => {
  it("a bot's <context name> becomes the next utterance's hint: key terms in the call's language, numerals, the offline rule", () => {
    const { contexts } = parseMarkup('What is your account number? <context name="digits"/>');
    expect(utteranceHint(contexts ?? [], ["Acme"], "en-GB")).toEqual({
      hint: { keyterms: ["Acme"], contextKeyterms: ["zero", "oh", "double", "triple"], numerals: true, grammarRules: ["digits"] },
      unknown: [],
    });
    expect(utteranceHint(["yes_no"], [], "fr-CA").hint).toEqual({ keyterms: [], contextKeyterms: ["oui", "non", "ouais", "exact"], numerals: false, grammarRules: ["yes_no"] });
    // A language without key terms of its own still gets numerals and the rule.
    expect(utteranceHint(["digits"], [], "ja-JP").hint).toEqual({ keyterms: [], contextKeyterms: [], numerals: true, grammarRules: ["digits"] });
  });

  it("reads names liberally (case, dashes, spaces, aliases), keeps each context once, and reports unknown names", () => {
    expect(speechContextNamed("Yes-No")?.name).toBe("yes_no");
    expect(speechContextNamed(" phone number ")?.name).toBe("phone_number");
    expect(speechContextNamed("alphanumeric")?.name).toBe("spelling");
    expect(speechContextNamed("amount")?.name).toBe("currency");
    expect(speechContextNamed("horoscope")).toBeUndefined();
    const { hint, unknown } = utteranceHint(["digits", "DIGITS", "pin", "horoscope", "time"], [], "en-US");
    expect(hint.grammarRules).toEqual(["digits", "time"]);
    expect(unknown).toEqual(["horoscope"]);
  });

  it("an unknown name is reported once per call, and a message with nothing for the recognizer gives no hint", () => {
    const warned: string[] = [];
    const next = new NextUtterance((name) => warned.push(name));
    expect(next.hintFor(["horoscope"], [], "en-US")).toBeUndefined();
    expect(next.hintFor(["horoscope", "date"], [], "en-US")?.grammarRules).toEqual(["date"]);
    expect(warned).toEqual(["horoscope"]);
    expect(next.hintFor([], [], "en-US")).toBeUndefined();
  });

  it("every context has English key terms and a rule; every rule it needs is defined", () => {
    for (const name of SPEECH_CONTEXTS) {
      const context = SPEECH_CONTEXT_CATALOGUE[name];
      expect(context.keyterms.en?.length, name).toBeGreaterThan(0);
      expect(jsgfRuleDefinitions([context.grammarRule])[0]).toMatch(new RegExp(`^<${context.grammarRule}> = `));
    }
    expect(jsgfRuleDefinitions(["digits"])).toEqual(["<digits> = <digit>+ ;", `<digit> = ${JSGF_RULES.digit} ;`]);
    expect(() => jsgfRuleDefinitions(["horoscope"])).toThrow(/no JSGF rule/);
  });

  it("every word of the offline grammars is in pocketsphinx's US English dictionary (one unknown word fails every utterance)", () => {
    const dictionary = new Set(
      readFileSync("/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", "utf8")
        .split("\n")
        .map((line) => line.slice(0, line.indexOf(" ")).replace(/\(\d+\)$/, "")),
    );
    expect([...jsgfWords()].filter((word) => !dictionary.has(word))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { conversationHarness } from "../agent/conversation-harness.ts";
import type { LocalCaller } from "../agent/local-caller.ts";
import { heardUntilQuiet, poll, speech } from "../agent/offline-speech.ts";

/**
 * Speech contexts end to end, offline (test/agent/conversation-harness.ts): the bot's `<context name="digits"/>`
 * makes the digit-sequence rule the offline recognizer's grammar for the caller's next utterance only. The service's
 * phrases hold no digits, so what is heard shows which grammar was in force.
 */
const CALLER_PHRASES = ["what time do you open", "i want to cancel my order"];
const DIGITS = "three one four one five";

const { received, call, heardOf } = conversationHarness({ callerPhrases: CALLER_PHRASES });

/**
 * The final transcripts the agent made of `text`, if any: the caller says it, then one of the service's phrases, which
 * is heard after it (utterances are transcribed in order), so whatever `text` gave has come by then.
 */
async function heardWhile(caller: LocalCaller, text: string): Promise<string[]> {
  const before = caller.events.filter((e) => e.type === "caller" && e.final).length;
  await caller.say(speech(text));
  expect(await heardOf(caller, CALLER_PHRASES[0]!)).toBe(CALLER_PHRASES[0]);
  return caller.events.filter((e) => e.type === "caller" && e.final).slice(before, -1).map((e) => e.text as string);
}

describe("speech contexts end to end (offline speech, real gateway)", () => {
  it("digits after the bot's <context name=\"digits\"/> reach the bot; the utterance after is back to the service's grammar", async () => {
    const { caller, conversation, botSays } = await call({});
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");

    let t0 = performance.now();
    await botSays('What is your account number? <context name="digits"/>');
    await heardUntilQuiet(caller, t0);
    expect(caller.events.filter((e) => e.type === "bot").map((e) => e.text)).toEqual(["What is your account number?"]);
    expect(await heardOf(caller, DIGITS)).toBe(DIGITS);
    const log = await poll(() => received(conversation), (l) => l.length >= 2, "the account number at the bot");
    expect(log[1]!.message.body).toBe(DIGITS);

    t0 = performance.now();
    await botSays("Thank you.");
    await heardUntilQuiet(caller, t0);
    // The context was for one utterance: the same digits now fit one of the service's phrases, or nothing.
    const after = await heardWhile(caller, DIGITS);
    expect(after.filter((text) => !CALLER_PHRASES.includes(text))).toEqual([]);

    // A name the catalogue does not know: the message is delivered and spoken, the name ignored.
    t0 = performance.now();
    await botSays('Anything else? <context name="horoscope"/>');
    await heardUntilQuiet(caller, t0);
    expect(caller.events.filter((e) => e.type === "bot").at(-1)!.text).toBe("Anything else?");
    expect((await heardWhile(caller, DIGITS)).filter((text) => !CALLER_PHRASES.includes(text))).toEqual([]);
    const bodies = (await poll(() => received(conversation), (l) => l.filter((r) => r.message.body === CALLER_PHRASES[0]).length >= 2, "the last turns at the bot")).map((r) => r.message.body);
    expect(bodies.filter((body) => body === DIGITS)).toHaveLength(1);
    caller.hangUp();
    await caller.closed;
  }, 90_000);
});

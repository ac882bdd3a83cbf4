import { describe, expect, it } from "vitest";
import { rms } from "../../agent/audio.ts";
import type { Received } from "../support/fake-bot.ts";
import { waitFor } from "../agent/helpers.ts";
import { conversationHarness } from "../agent/conversation-harness.ts";
import { espeakSeconds, heardUntilQuiet, poll, speech, transcribe } from "../agent/offline-speech.ts";

/**
 * Conversation settings end to end, offline: espeak-ng speech → local transport → pocketsphinx (phrase grammar) →
 * the real gateway (wrangler dev) → the fake bot, and back. Each test configures a service of its own.
 */
const CALLER_PHRASES = ["what time do you open", "i want to cancel my order", "yeah", "say that again", "stop i want the salmon"];
const HEARD_PHRASES = ["please hold the line", "are you still there", "we are open until ten tonight", "thank you for calling", "what would you like", "one moment please"];

const { received, call, callerSays, callRecord } = conversationHarness({ callerPhrases: CALLER_PHRASES });
const hintsOf = (r: Received) => (typeof r.message.hints === "string" ? (JSON.parse(r.message.hints) as Record<string, unknown>) : undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("conversation settings end to end (offline speech, real gateway)", () => {
  it("the greeting is heard as the call is answered, before the bot's first message", async () => {
    const { caller, conversation, botSays } = await call({ greeting: "Please hold the line." });
    const greeting = await waitFor(() => caller.events.find((e) => e.type === "bot"), 10_000, "the greeting");
    expect(greeting).toMatchObject({ id: null, text: "Please hold the line." });
    expect(await transcribe(await heardUntilQuiet(caller, caller.timeOf(greeting)), HEARD_PHRASES)).toBe("please hold the line");
    // The bot's first message comes after it (the bot answers the call's `new` message now).
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    const t0 = performance.now();
    await botSays("Thank you for calling.");
    expect(await transcribe(await heardUntilQuiet(caller, t0), HEARD_PHRASES)).toBe("thank you for calling");
    expect(caller.events.filter((e) => e.type === "bot").map((e) => e.id === null ? "greeting" : "bot")).toEqual(["greeting", "bot"]);
    caller.hangUp();
    await caller.closed;
  });

  it("silence: a reprompt is heard after the silence, the bot is told of each, and the call ends after the last one", async () => {
    const { caller, conversation, botSays } = await call({
      silenceSeconds: 1.5,
      silenceMessages: ["Are you still there?"],
      silenceMaxReprompts: 2,
      silenceEndsCall: true,
      silenceNotifyBot: true,
    });
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    const asked = performance.now();
    await botSays("What would you like?");
    const bot = await waitFor(() => caller.events.find((e) => e.type === "bot"), 10_000, "the bot's question");
    const reprompt = await waitFor(() => caller.events.find((e) => e.type === "bot" && e.id === null), 15_000, "the first reprompt");
    expect(reprompt.text).toBe("Are you still there?");
    // Heard after the question had played and the caller had been silent for the setting's time.
    const questionEnded = caller.audio.filter((a) => a.at >= asked && a.at < caller.timeOf(reprompt)).at(-1)!.at;
    expect(caller.timeOf(reprompt) - questionEnded).toBeGreaterThan(1400);
    expect(caller.timeOf(bot)).toBeLessThan(caller.timeOf(reprompt));
    expect(await transcribe(await heardUntilQuiet(caller, caller.timeOf(reprompt)), HEARD_PHRASES)).toBe("are you still there");

    await caller.closed;
    expect(caller.event("ended")?.reason).toBe("silence_timeout");
    expect(caller.events.filter((e) => e.type === "bot" && e.id === null)).toHaveLength(2);
    const log = await poll(() => received(conversation), (l) => l.some((r) => r.message.last === "true"), "the bot's last");
    expect(log.map(hintsOf).filter(Boolean)).toEqual([{ event: "reprompt" }, { event: "reprompt" }, { event: "silence_timeout" }]);
    expect(log.at(-1)!.message).toMatchObject({ last: "true", body: "" });
    const record = await callRecord(conversation);
    expect(record.body).toMatchObject({ state: "ended", endReason: "silence_timeout" });
  }, 60_000);

  it("the end-of-prompt notice: the bot is told once its message has played", async () => {
    const { caller, conversation, botSays } = await call({ endOfPromptNotice: true });
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    const t0 = performance.now();
    await botSays("We are open until ten tonight.");
    await heardUntilQuiet(caller, t0);
    const log = await poll(() => received(conversation), (l) => l.length >= 2, "the notice at the bot");
    expect(log[1]!.message).toMatchObject({ body: "", last: "false" });
    expect(hintsOf(log[1]!)).toEqual({ event: "endofprompt" });
    // It came once the audio had played (about 2 s of speech), not when the message arrived.
    const lastAudio = caller.audio.at(-1)!.at;
    expect(log[1]!.at - (performance.timeOrigin + t0)).toBeGreaterThan(1000);
    expect(log[1]!.at).toBeGreaterThan(performance.timeOrigin + lastAudio - 100);
    caller.hangUp();
    await caller.closed;
  });

  it("\"yeah\" reaches the bot as \"yes\", with the caller's turn number", async () => {
    const { caller, conversation } = await call({ yesNoAlternatives: true });
    await callerSays(caller, "yeah");
    const log = await poll(() => received(conversation), (l) => l.length >= 2, "the caller's answer at the bot");
    expect(log[1]!.message.body).toBe("yes");
    expect(hintsOf(log[1]!)).toEqual({ turn: 1 });
    caller.hangUp();
    await caller.closed;
  });

  it("\"say that again\" repeats the bot's last message without reaching the bot", async () => {
    const { caller, conversation, botSays } = await call({ repeatPattern: "repeat|say that again|pardon" });
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    const t0 = performance.now();
    await botSays("We are open until ten tonight.");
    await heardUntilQuiet(caller, t0);
    await callerSays(caller, "say that again");
    const again = await waitFor(() => caller.events.find((e) => e.type === "bot" && e.id === null), 10_000, "the repeat");
    expect(again.text).toBe("We are open until ten tonight.");
    expect(await transcribe(await heardUntilQuiet(caller, caller.timeOf(again)), HEARD_PHRASES)).toBe("we are open until ten tonight");
    await sleep(500);
    expect((await received(conversation)).map((r) => r.message.body)).toEqual([""]);
    caller.hangUp();
    await caller.closed;
  });

  it("a message with hints.bargein false is heard whole while the caller talks over it", async () => {
    const long = "Please write down your booking code. It is seven four two nine. Once again, seven four two nine. Thank you for calling.";
    const { caller, conversation, botSays } = await call({});
    await poll(() => received(conversation), (l) => l.length > 0, "the call's first message at the bot");
    const t0 = performance.now();
    await botSays(long, { hints: { bargein: false } });
    const first = await waitFor(() => caller.audio.find((a) => a.at >= t0), 15_000, "the message's audio");
    await sleep(1000 - (performance.now() - first.at));
    await caller.say(speech("stop i want the salmon"));
    const heard = await heardUntilQuiet(caller, t0);
    expect(caller.event("clear")).toBeUndefined();
    expect(caller.event("interrupted")).toBeUndefined();
    expect(heard.length / 24_000).toBeGreaterThan(0.9 * espeakSeconds(long));
    expect(rms(heard)).toBeGreaterThan(0.03);
    caller.hangUp();
    await caller.closed;
  }, 60_000);

  it("a stale reply (to a turn the caller has moved past) is dropped when so set; the reply to the latest is heard", async () => {
    const { caller, conversation, botSays } = await call({ staleReplies: "drop", botSlowSeconds: 60 });
    await callerSays(caller, "what time do you open");
    await callerSays(caller, "i want to cancel my order");
    const log = await poll(() => received(conversation), (l) => l.length >= 3, "both turns at the bot");
    expect(log.slice(1).map((r) => [r.message.body, hintsOf(r)])).toEqual([
      ["what time do you open", { turn: 1 }],
      ["i want to cancel my order", { turn: 2 }],
    ]);
    const t0 = performance.now();
    await botSays("We are open until ten tonight.", { hints: JSON.stringify({ inReplyTo: 1 }) });
    await botSays("Thank you for calling.", { hints: JSON.stringify({ inReplyTo: 2 }) });
    const heard = await heardUntilQuiet(caller, t0);
    expect(caller.events.filter((e) => e.type === "bot").map((e) => e.text)).toEqual(["Thank you for calling."]);
    expect(await transcribe(heard, HEARD_PHRASES)).toBe("thank you for calling");
    caller.hangUp();
    await caller.closed;
  }, 60_000);
});

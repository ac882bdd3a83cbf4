import { describe, expect, it } from "vitest";
import { conversationHarness } from "../agent/conversation-harness.ts";
import { waitFor } from "../agent/helpers.ts";
import type { LocalCaller } from "../agent/local-caller.ts";
import { espeakSeconds, heardUntilQuiet, poll, speech } from "../agent/offline-speech.ts";

/**
 * The barge-in policy (conversation setting `bargeIn`) end to end, offline (test/agent/conversation-harness.ts): what
 * the caller's voice and keys do to a long message, through espeak-ng, the local transport, pocketsphinx and the real
 * gateway.
 */
const CALLER_PHRASES = ["stop i want the salmon"];
const LONG = "Please write down your booking code. It is seven four two nine. Once again, seven four two nine. Thank you for calling.";

const { received, call } = conversationHarness({ callerPhrases: CALLER_PHRASES });

type Interruption = "voice" | "keys";

/**
 * The bot says the long message; a second into it the caller talks over it or presses 5. Returns whether it was cut
 * (the audio cut short, an `interrupted` event), and checks where the caller's input went: a key reaches the bot
 * either way; words reach it when they cut the message, and are not recognized over a message they may not cut
 * (docs/voice.md, "barge-in").
 */
async function overLongMessage(c: Awaited<ReturnType<typeof call>>, by: Interruption): Promise<boolean> {
  const { caller, conversation, botSays } = c;
  const before = (await received(conversation)).length;
  const interruptionsBefore = caller.events.filter((e) => e.type === "interrupted").length;
  const t0 = performance.now();
  await botSays(LONG);
  const first = await waitFor(() => caller.audio.find((a) => a.at >= t0), 15_000, "the message's audio");
  await new Promise((r) => setTimeout(r, 1000 - (performance.now() - first.at)));
  if (by === "voice") await caller.say(speech(CALLER_PHRASES[0]!));
  else caller.keys("5");
  const heard = await heardUntilQuiet(caller, t0);
  const seconds = heard.length / 24_000;
  // Cut: well short of the message (and reported: the voice's report waits for its transcript); heard whole: nearly
  // all of it (espeak-ng's length of the same text), and no report.
  const cut = seconds < 0.6 * espeakSeconds(LONG);
  if (cut) await waitFor(() => caller.events.filter((e) => e.type === "interrupted").length > interruptionsBefore, 10_000, "interrupted");
  else {
    expect(seconds, `${seconds.toFixed(1)} s heard`).toBeGreaterThan(0.9 * espeakSeconds(LONG));
    expect(caller.events.filter((e) => e.type === "interrupted")).toHaveLength(interruptionsBefore);
  }
  if (by === "keys") {
    const log = await poll(() => received(conversation), (l) => l.length > before, "the key at the bot");
    expect(log.at(-1)!.message).toMatchObject({ body: "", dtmf: "5" });
  } else if (cut) {
    const log = await poll(() => received(conversation), (l) => l.length > before, "the caller's words at the bot");
    expect(log.at(-1)!.message.body).toBe(CALLER_PHRASES[0]);
  } else {
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(conversation)).toHaveLength(before);
  }
  return cut;
}

async function callWithPolicy(bargeIn: string) {
  const c = await call({ bargeIn });
  await poll(() => received(c.conversation), (l) => l.length > 0, "the call's first message at the bot");
  return c;
}

async function hangUp(caller: LocalCaller) {
  caller.hangUp();
  await caller.closed;
}

describe("barge-in policies end to end (offline speech, real gateway)", () => {
  it("dtmf: the caller's voice does not cut the message, a key does", async () => {
    const c = await callWithPolicy("dtmf");
    expect(await overLongMessage(c, "voice")).toBe(false);
    expect(await overLongMessage(c, "keys")).toBe(true);
    await hangUp(c.caller);
  }, 90_000);

  it("speech: a key does not cut the message, the caller's voice does", async () => {
    const c = await callWithPolicy("speech");
    expect(await overLongMessage(c, "keys")).toBe(false);
    expect(await overLongMessage(c, "voice")).toBe(true);
    await hangUp(c.caller);
  }, 90_000);

  it("none: neither the caller's voice nor a key cuts the message", async () => {
    const c = await callWithPolicy("none");
    expect(await overLongMessage(c, "voice")).toBe(false);
    expect(await overLongMessage(c, "keys")).toBe(false);
    await hangUp(c.caller);
  }, 90_000);
});

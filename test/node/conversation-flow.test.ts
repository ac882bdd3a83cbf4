import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConversationFlow } from "../../agent/conversation/flow.ts";
import { promptsFor } from "../../agent/prompts.ts";
import { conversationSettings } from "../../protocol/settings/conversation.ts";

/** The conversation's timers (agent/conversation/flow.ts) on vitest's fake clock: what is said and done, and when. */
function flowWith(settings: Partial<typeof conversationSettings.defaults>, botSlowMs?: number) {
  const log: string[] = [];
  const flow = new ConversationFlow(
    {
      say: async (text) => void log.push(`say ${text}`),
      notifyReprompt: () => void log.push("notify reprompt"),
      hangUp: (reason) => void log.push(`hang up ${reason}`),
    },
    { settings: { ...conversationSettings.defaults, ...settings }, prompts: promptsFor("fr-FR"), botSlowMs },
  );
  return { flow, log };
}

describe("conversation timers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("by default: \"one moment\" 8 s after the caller's turn, in the service's language, and nothing on silence", async () => {
    const { flow, log } = flowWith({});
    flow.speechIdle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual([]);
    flow.callerTurnSent();
    await vi.advanceTimersByTimeAsync(7_999);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual([`say ${promptsFor("fr-FR").stillThere}`]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(log).toHaveLength(1);
  });

  it("a slow bot: the service's holding message, then the apology and the end of the call; an answer stops both", async () => {
    const { flow, log } = flowWith({ botSlowSeconds: 2, botSlowMessages: ["Je vérifie."], botGiveUpSeconds: 10, botGiveUpMessage: "Rappelez plus tard.", botGiveUpEndsCall: true });
    flow.callerTurnSent();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log).toEqual(["say Je vérifie.", "say Rappelez plus tard.", "hang up bot_not_responding"]);

    const answered = flowWith({ botSlowSeconds: 2, botGiveUpSeconds: 10, botGiveUpEndsCall: true });
    answered.flow.callerTurnSent();
    await vi.advanceTimersByTimeAsync(1_000);
    answered.flow.botAnswered();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(answered.log).toEqual([]);
  });

  it("silence: reprompts after each silence, the bot told of each, then the end; speech or a turn starts the count again", async () => {
    const { flow, log } = flowWith({ silenceSeconds: 3, silenceMessages: ["Allô ?"], silenceMaxReprompts: 2, silenceEndsCall: true, silenceNotifyBot: true });
    flow.speechIdle();
    await vi.advanceTimersByTimeAsync(2_000);
    flow.callerSpeaking(); // the caller started to speak: no reprompt
    await vi.advanceTimersByTimeAsync(5_000);
    expect(log).toEqual([]);
    flow.callerTurnSent();
    flow.speechIdle(); // a reply is awaited: silence is the bot's
    await vi.advanceTimersByTimeAsync(5_000);
    expect(log).toEqual([]);
    flow.botAnswered();
    flow.speechIdle();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(log).toEqual(["notify reprompt", "say Allô ?"]);
    flow.speechIdle(); // the reprompt has played
    await vi.advanceTimersByTimeAsync(3_000);
    flow.speechIdle();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(log).toEqual(["notify reprompt", "say Allô ?", "notify reprompt", "say Allô ?", "hang up silence_timeout"]);
  });

  it("NO_REPLY_TIMEOUT_MS overrides the service's botSlowSeconds; close stops everything", async () => {
    const { flow, log } = flowWith({ botSlowSeconds: 30, silenceSeconds: 1 }, 500);
    flow.callerTurnSent();
    await vi.advanceTimersByTimeAsync(500);
    expect(log).toHaveLength(1);
    flow.botAnswered();
    flow.speechIdle();
    flow.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log).toHaveLength(1);
  });
});

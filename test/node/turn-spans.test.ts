import { describe, expect, it } from "vitest";
import { bestOffset, offsetFromSample, toGatewayTime } from "../../protocol/clock.ts";
import { type TurnTimes, deriveSpans, percentiles } from "../../protocol/turns.ts";

const voiceTurn: TurnTimes = {
  speechEndedAt: 1_000,
  transcribedAt: 1_400,
  receivedAt: 1_450,
  postedAt: 1_455,
  answeredAt: 1_470,
  replyAt: 2_455,
  sayReceivedAt: 2_465,
  firstAudioAt: 2_700,
  playbackEndedAt: 4_000,
};

describe("turn spans", () => {
  it("splits a voice turn into the recognizer, the agent, the gateway, the bot and the synthesizer, which add up to the gap", () => {
    const spans = deriveSpans(voiceTurn);
    expect(spans).toEqual({ stt: 400, agent: 50, gateway: 15, bot: 1_000, tts: 235, gap: 1_700 });
    expect(spans.stt! + spans.agent! + spans.gateway! + spans.bot! + spans.tts!).toBe(spans.gap);
  });

  it("gives a simulated call only the gateway's way in and the bot's think time", () => {
    const spans = deriveSpans({
      ...voiceTurn,
      speechEndedAt: null,
      transcribedAt: null,
      sayReceivedAt: null,
      firstAudioAt: null,
      playbackEndedAt: null,
    });
    expect(spans).toEqual({ stt: null, agent: null, gateway: 5, bot: 1_000, tts: null, gap: null });
  });

  it("leaves the bot's span and the gap open while the bot has not answered", () => {
    const spans = deriveSpans({ ...voiceTurn, replyAt: null, sayReceivedAt: null, firstAudioAt: null, playbackEndedAt: null });
    expect(spans.bot).toBeNull();
    expect(spans.gap).toBeNull();
    expect(spans.stt).toBe(400);
  });

  it("clamps a span that clock error made negative to 0", () => {
    expect(deriveSpans({ ...voiceTurn, receivedAt: 1_390 }).agent).toBe(0);
  });
});

describe("clock offset on the bridge", () => {
  it("puts the gateway's reading at the midpoint of the round trip", () => {
    // Agent clock 5 s behind the gateway's; 20 ms each way.
    expect(offsetFromSample({ agentSentAt: 100, gatewayAt: 5_120, agentReceivedAt: 140 })).toEqual({ offsetMs: 5_000, roundTripMs: 40 });
  });

  it("trusts the sample with the shortest round trip", () => {
    const best = bestOffset([
      { agentSentAt: 0, gatewayAt: 5_300, agentReceivedAt: 400 }, // slow way out: offset looks 5100
      { agentSentAt: 1_000, gatewayAt: 6_002, agentReceivedAt: 1_004 },
      { agentSentAt: 2_000, gatewayAt: 7_010, agentReceivedAt: 2_100 },
    ]);
    expect(best).toEqual({ offsetMs: 5_000, roundTripMs: 4 });
    expect(toGatewayTime(1_234, best)).toBe(6_234);
  });

  it("has no estimate without samples, and ignores a sample whose answer came before its probe", () => {
    expect(bestOffset([])).toBeUndefined();
    expect(bestOffset([{ agentSentAt: 10, gatewayAt: 0, agentReceivedAt: 5 }])).toBeUndefined();
    expect(toGatewayTime(1_234, undefined)).toBe(1_234);
  });
});

describe("percentiles", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ p50: 50, p95: 95, count: 100 });
    expect(percentiles([7])).toEqual({ p50: 7, p95: 7, count: 1 });
    expect(percentiles([])).toBeNull();
  });
});

describe("the agent's turn timing (agent/turn-timing.ts)", () => {
  it("takes the last voice before the transcript as the speech end, in the gateway's clock", async () => {
    const { TurnTiming } = await import("../../agent/turn-timing.ts");
    const timing = new TurnTiming((at) => at + 1_000);
    for (const at of [100, 132, 164]) timing.voiced(at);
    timing.transcribed(500);
    timing.voiced(600); // the caller speaks again: the next turn's
    expect(timing.takeCallerTiming(520)).toEqual({ speechEndedAt: 1_164, transcribedAt: 1_500 });
    timing.transcribed(900);
    expect(timing.takeCallerTiming(910)).toEqual({ speechEndedAt: 1_600, transcribedAt: 1_900 });
    expect(timing.takeCallerTiming(1_000)).toEqual({ speechEndedAt: null, transcribedAt: 2_000 });
  });

  it("gives each bot message the first audio of its own speech, skipping speech cut before it played", async () => {
    const { TurnTiming } = await import("../../agent/turn-timing.ts");
    const timing = new TurnTiming((at) => at);
    timing.sayReceived(1, 10);
    timing.sayReceived(2, 20);
    let cut = false;
    timing.speechQueued(1, () => false);
    timing.speechQueued(null, () => cut); // a prompt, cut before it played
    timing.speechQueued(2, () => false);
    timing.playbackStarted(100);
    cut = true;
    timing.playbackStarted(900);
    expect(timing.takePlayout(1, 800, false)).toEqual({ receivedAt: 10, firstAudioAt: 100, endedAt: 800, interrupted: false });
    expect(timing.takePlayout(2, 1_500, true)).toEqual({ receivedAt: 20, firstAudioAt: 900, endedAt: 1_500, interrupted: true });
    expect(timing.takePlayout(2, 1_600, true)).toBeUndefined();
  });
});

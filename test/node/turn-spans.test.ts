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

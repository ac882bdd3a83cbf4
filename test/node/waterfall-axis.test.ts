import { describe, expect, it } from "vitest";
import { axisTicks, tickStep } from "../../web/src/lib/waterfall-axis.ts";
import { waterfallBars } from "../../web/src/lib/waterfall.ts";
import type { Turn } from "../../protocol/turns.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse("2026-12-02T10:00:00.000Z");

describe("the waterfall's time axis", () => {
  it("steps are 1, 2 or 5 × a power of ten, at most six intervals", () => {
    expect([1, 5, 12, 60, 700, 1_234, 2_950, 9_000].map((span) => tickStep(span))).toEqual([1, 1, 2, 10, 200, 500, 500, 2_000]);
  });

  it("ticks every step from the origin, on the track only, placed by their time", () => {
    // A track from origin − 30 ms to origin + 1 170 ms: step 200, first tick at 0.
    const ticks = axisTicks(T0 - 30, T0 + 1_170, T0);
    expect(ticks.map((t) => t.ms)).toEqual([0, 200, 400, 600, 800, 1_000]);
    for (const tick of ticks) expect(tick.left).toBeCloseTo(((tick.ms + 30) / 1_200) * 100, 9);
    expect(axisTicks(T0, T0, T0)).toEqual([{ ms: 0, left: 0 }]);
  });

  it("a voice turn reads from the caller's speech end; a turn without speech from its message", () => {
    const voice: Turn = {
      message: 1, reply: 2, speechEndedAt: iso(T0), transcribedAt: iso(T0 + 400), receivedAt: iso(T0 + 450), postedAt: iso(T0 + 455),
      answeredAt: iso(T0 + 460), replyAt: iso(T0 + 1_455), sayReceivedAt: iso(T0 + 1_460), firstAudioAt: iso(T0 + 1_660),
      playbackEndedAt: iso(T0 + 3_000), interrupted: false, heard: null,
      spans: { stt: 400, agent: 50, gateway: 10, bot: 1_000, tts: 200, gap: 1_660 },
    };
    const { axis, bars } = waterfallBars(voice);
    expect(axis.origin).toBe("speech_end");
    expect(axis.ticks.map((t) => t.ms)).toEqual([0, 500, 1_000, 1_500, 2_000, 2_500, 3_000]);
    // The bot's bar starts where 455 ms would be on the axis.
    const bot = bars.find((b) => b.key === "bot")!;
    expect(bot.left).toBeCloseTo((455 / 3_000) * 100, 9);
    const simulated: Turn = { ...voice, speechEndedAt: null, transcribedAt: null, sayReceivedAt: null, firstAudioAt: null, playbackEndedAt: null };
    const axisOfSimulated = waterfallBars(simulated).axis;
    expect(axisOfSimulated.origin).toBe("message");
    expect(axisOfSimulated.ticks.map((t) => t.ms)).toEqual([0, 200, 400, 600, 800, 1_000]);
  });
});

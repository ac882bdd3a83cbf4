import { describe, expect, it } from "vitest";
import { BargeInTiming } from "../../agent/barge-in-timing.ts";

/** The agent's barge-in measure (agent/barge-in-timing.ts): VAD detection → output stopped, apart from any audio. */
describe("barge-in timing", () => {
  it("times a stop from the first detection of the stretch of speech, once", () => {
    const timing = new BargeInTiming();
    timing.speechDetected(1000);
    timing.speechDetected(1032); // the same stretch, a later window
    expect(timing.outputStopped(1003.5)).toBe(3.5);
    expect(timing.outputStopped(1500)).toBeUndefined(); // the framework's later clear of the same barge-in
  });

  it("gives nothing for a stop without a detection, or after the speech ended", () => {
    const timing = new BargeInTiming();
    expect(timing.outputStopped(10)).toBeUndefined();
    timing.speechDetected(100);
    timing.speechEnded();
    expect(timing.outputStopped(120)).toBeUndefined();
  });

  it("a new stretch of speech is timed afresh; a stop long after the detection is not a barge-in", () => {
    const timing = new BargeInTiming(2000);
    timing.speechDetected(0);
    expect(timing.outputStopped(5)).toBe(5);
    timing.speechEnded();
    timing.speechDetected(10_000);
    expect(timing.outputStopped(12_500)).toBeUndefined();
  });
});

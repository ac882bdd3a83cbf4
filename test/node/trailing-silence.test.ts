import { ReadableStream } from "node:stream/web";
import { USERDATA_TIMED_TRANSCRIPT } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { describe, expect, it } from "vitest";
import { isSilentFrame } from "../../agent/audio.ts";
import { withoutTrailingSilence } from "../../agent/trailing-silence.ts";

const RATE = 24_000;
/** A 20 ms frame: a tone of `amplitude` (0 = digital silence), named by `tag` in its userdata. */
function frame(tag: string, amplitude: number, userdata: Record<string, unknown> = {}): AudioFrame {
  const samples = Int16Array.from({ length: RATE / 50 }, (_, i) => Math.round(amplitude * Math.sin(i / 3)));
  return new AudioFrame(samples, RATE, 1, samples.length, { tag, ...userdata });
}

async function trimmed(frames: AudioFrame[]): Promise<string[]> {
  const out: string[] = [];
  const source = ReadableStream.from(frames);
  for await (const f of source.pipeThrough(withoutTrailingSilence())) out.push(f.userdata.tag as string);
  return out;
}

describe("withoutTrailingSilence: a reply's frames without the silence after its last sound", () => {
  it("drops the silent frames at the end, keeps those at the start and between sounds, in order", async () => {
    const frames = [frame("lead", 0), frame("a", 4000), frame("pause1", 0), frame("pause2", 10), frame("b", 4000), frame("tail1", 0), frame("tail2", 0), frame("tail3", -20)];
    expect(await trimmed(frames)).toEqual(["lead", "a", "pause1", "pause2", "b"]);
  });

  it("keeps a frame that starts a sentence, even a silent one, and what comes before it", async () => {
    const marked = frame("mark", 0, { [USERDATA_TIMED_TRANSCRIPT]: [{ text: "Bye." }] });
    expect(await trimmed([frame("a", 4000), frame("gap", 0), marked, frame("tail", 0)])).toEqual(["a", "gap", "mark"]);
  });

  it("passes a reply with no silence whole, and leaves nothing of an all-silent one", async () => {
    expect(await trimmed([frame("a", 4000), frame("b", 100)])).toEqual(["a", "b"]);
    expect(await trimmed([frame("x", 0), frame("y", 0)])).toEqual([]);
  });

  it("counts as silence only what stays under −60 dBFS", () => {
    expect(isSilentFrame(frame("quiet", 32))).toBe(true);
    expect(isSilentFrame(frame("audible", 40))).toBe(false);
  });
});

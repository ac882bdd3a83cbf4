import { TransformStream, type TransformStreamDefaultController } from "node:stream/web";
import { USERDATA_TIMED_TRANSCRIPT } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { isSilentFrame } from "./audio.ts";

/**
 * A reply's frames without the silence at its end: runs of silent frames are held until a frame with sound follows
 * (then they pass, in order, so the pauses inside a reply stay), and dropped when the reply's audio ends. A frame
 * that marks a sentence's start (the framework's timed transcript) is never dropped, nor what comes before it.
 *
 * Why: synthesizers end a reply with 100–300 ms of silence. While it plays, the call counts as the bot speaking, so a
 * caller who answers right after the last word keeps the VAD running for their whole turn (barge-in detection, which
 * costs the agent most of its CPU: docs/performance.md) and makes the framework pause a reply nobody can hear.
 */
export function withoutTrailingSilence(): TransformStream<AudioFrame, AudioFrame> {
  let held: AudioFrame[] = [];
  const release = (controller: TransformStreamDefaultController<AudioFrame>) => {
    for (const frame of held) controller.enqueue(frame);
    held = [];
  };
  return new TransformStream<AudioFrame, AudioFrame>({
    transform(frame, controller) {
      if (isSilentFrame(frame) && frame.userdata[USERDATA_TIMED_TRANSCRIPT] === undefined) {
        held.push(frame);
        return;
      }
      release(controller);
      controller.enqueue(frame);
    },
    flush() {
      held = [];
    },
  });
}

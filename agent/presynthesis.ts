import { ReadableStream } from "node:stream/web";
import type { tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { withoutTrailingSilence } from "./trailing-silence.ts";

/** Speech synthesized ahead of its turn to play: its frames buffer as they come, for `session.say(text, { audio })`. */
export interface Presynthesized {
  audio: ReadableStream<AudioFrame>;
  /** Stops the synthesis and frees what was buffered (the speech will not be played). */
  cancel(): void;
}

/**
 * Starts synthesizing `text` now (a held reply: agent/conversation/eager-turn.ts), so that its first frame is ready
 * when it may play. The synthesis runs as soon as it is created (the framework's ChunkedStream queues its frames).
 */
export function presynthesize(synthesizer: tts.TTS, text: string): Presynthesized {
  const chunked = synthesizer.synthesize(text);
  const audio = new ReadableStream<AudioFrame>({
    async pull(controller) {
      const next = await chunked.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value.frame);
    },
    cancel() {
      chunked.close();
    },
  });
  return { audio: audio.pipeThrough(withoutTrailingSilence()), cancel: () => chunked.close() };
}

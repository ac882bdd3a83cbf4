import { type VAD, type VADEvent, VADEventType, type VADStream } from "@livekit/agents";

export interface SpeechDetectionListener {
  /** The VAD found speech (see withSpeechDetection); told for every window of it, the listener keeps the first. */
  detected(at: number): void;
  /** The stretch of speech is over. */
  ended(): void;
}

/** Silence after which a stretch of speech is over for the barge-in measurement (shorter than Silero's 550 ms end of speech). */
const STRETCH_GAP_MS = 300;

/**
 * The same VAD (same model and options, `instanceof` intact) whose streams tell `listener` when they detect speech,
 * at the moment they hand the event to the session (performance.now() clock), for the barge-in measurement
 * (agent/barge-in-timing.ts). Detected: Silero's START_OF_SPEECH, or a window after `minSpeechMs` of consecutive
 * voice (the same condition, also when the VAD's segment never ended: with turns ended by the recognizer the
 * framework flushes the VAD mid-segment, and no START_OF_SPEECH follows). Over: END_OF_SPEECH, or 300 ms of
 * consecutive silence.
 */
export function withSpeechDetection<T extends VAD>(vad: T, minSpeechMs: number, listener: SpeechDetectionListener): T {
  return new Proxy(vad, {
    get(target, property) {
      if (property === "stream") return () => tap(target.stream(), minSpeechMs, listener);
      const value = Reflect.get(target, property, target) as unknown;
      // Bind to the real object: silero's VAD keeps its state in #private fields, which a proxy cannot reach.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type Sender = { sendVADEvent(event: VADEvent): boolean };

function tap(stream: VADStream, minSpeechMs: number, listener: SpeechDetectionListener): VADStream {
  const sender = stream as unknown as Sender;
  const send = sender.sendVADEvent.bind(stream);
  sender.sendVADEvent = (event: VADEvent) => {
    if (event.type === VADEventType.START_OF_SPEECH) listener.detected(performance.now());
    else if (event.type === VADEventType.END_OF_SPEECH) listener.ended();
    else if (event.type === VADEventType.INFERENCE_DONE) {
      if (event.rawAccumulatedSpeech >= minSpeechMs) listener.detected(performance.now());
      else if (event.rawAccumulatedSilence >= STRETCH_GAP_MS) listener.ended();
    }
    return send(event);
  };
  return stream;
}

import { type VAD, type VADEvent, VADEventType, type VADStream } from "@livekit/agents";

export interface SpeechDetectionListener {
  /** The VAD found speech: its START_OF_SPEECH, or a window whose speech lasts `minSpeechMs` (what the framework interrupts on). */
  detected(at: number): void;
  ended(): void;
}

/**
 * The same VAD (same model and options, `instanceof` intact) whose streams tell `listener` when they detect speech,
 * at the moment they hand the event to the session (performance.now() clock), for the barge-in measurement
 * (agent/barge-in-timing.ts). The framework pauses the bot on an inference whose speech lasts its interruption's
 * `minDuration`, which may come before START_OF_SPEECH: whichever comes first is the detection.
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
    const speech = event.type === VADEventType.START_OF_SPEECH || (event.type === VADEventType.INFERENCE_DONE && event.speaking && event.speechDuration >= minSpeechMs);
    if (speech) listener.detected(performance.now());
    else if (event.type === VADEventType.END_OF_SPEECH) listener.ended();
    return send(event);
  };
  return stream;
}

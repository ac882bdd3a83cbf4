import { AudioFrame } from "@livekit/rtc-node";
import { type VAD, type VADEvent, VADEventType, type VADStream } from "@livekit/agents";

/**
 * Silero's VAD (`@livekit/agents-plugin-silero` 1.9) hands out the audio of a `START_OF_SPEECH` / `END_OF_SPEECH`
 * event as a *view* into its speech buffer, and keeps writing into that buffer right after emitting the event:
 * at once it moves the last 500 ms (prefix padding, i.e. the silence that ended the utterance) over the start of
 * the buffer, then each following 32 ms window overwrites the samples just after it. Whoever reads the event
 * later — `stt.StreamAdapter` handing the utterance to our offline recognizer — gets an utterance whose first
 * ~0.5 s is replaced by trailing silence and, if it reads it one window late or more, whose word onset is gone
 * too. Under load (two calls at once, a busy event loop) that happened often enough that pocketsphinx, with its
 * phrase grammar, found no match and the caller's words never reached the bot.
 *
 * `stableSpeechFrames(vad)` returns the same VAD (same model and options, `instanceof` intact) whose streams copy
 * those frames at the moment the event is emitted. Only speech start/end events are copied (rare, the others carry
 * fresh arrays already).
 */
export function stableSpeechFrames<T extends VAD>(vad: T, listener: SpeechEndListener = {}): T {
  if ((vad as { [STABLE]?: true })[STABLE]) return vad;
  return new Proxy(vad, {
    get(target, property) {
      if (property === STABLE) return true;
      if (property === "stream") return () => stabilize(target.stream(), listener);
      const value = Reflect.get(target, property, target) as unknown;
      // Bind to the real object: silero's VAD keeps its state in #private fields, which a proxy cannot reach.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const STABLE = Symbol("stableSpeechFrames");

type Sender = { sendVADEvent(event: VADEvent): boolean };

/**
 * `onVoice(at)`: a window of audio the VAD took for speech (probability over its activation threshold) ended at `at`
 * (Date.now() clock), told as soon as it is inferred, so the end of the caller's speech is known before the VAD has
 * waited out the silence that ends a segment.
 */
export interface SpeechEndListener {
  onVoice?: (at: number) => void;
}

/** Silero's activation threshold in agent/providers/silero.ts. */
const VOICE_PROBABILITY = 0.5;

function stabilize(stream: VADStream, listener: SpeechEndListener): VADStream {
  const sender = stream as unknown as Sender;
  const send = sender.sendVADEvent.bind(stream);
  // The stream's inference loop awaits its first frame before it emits anything, so patching right after
  // construction catches every event.
  sender.sendVADEvent = (event: VADEvent) => {
    if (event.type === VADEventType.START_OF_SPEECH || event.type === VADEventType.END_OF_SPEECH) {
      event = { ...event, frames: event.frames.map(copyFrame) };
    }
    if (event.type === VADEventType.INFERENCE_DONE && event.probability > VOICE_PROBABILITY) listener.onVoice?.(Date.now() - event.inferenceDuration);
    return send(event);
  };
  return stream;
}

function copyFrame(frame: AudioFrame): AudioFrame {
  return new AudioFrame(frame.data.slice(), frame.sampleRate, frame.channels, frame.samplesPerChannel);
}

import { ReadableStream } from "node:stream/web";
import type { AudioFrame } from "@livekit/rtc-node";
import { type VAD, type VADEvent, VADEventType, type VADStream } from "@livekit/agents";
import { VadGate } from "./vad-gate.ts";

/**
 * The same VAD (model, options, `instanceof` intact) whose streams only get the caller's frames while `gate` is
 * open: closed, a frame is dropped before the VAD sees it (no window, no inference, no event). The stream's speech
 * segments are told to the gate, which stays open until a segment has ended. `now` is the gate's clock.
 */
export function gatedVad<T extends VAD>(vad: T, gate: VadGate, now: () => number = Date.now): T {
  return new Proxy(vad, {
    get(target, property) {
      if (property === "stream") return () => gateStream(target.stream(), gate, now);
      const value = Reflect.get(target, property, target) as unknown;
      // Bind to the real object: silero's VAD keeps its state in #private fields, which a proxy cannot reach.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type Sender = { sendVADEvent(event: VADEvent): boolean };

function gateStream(stream: VADStream, gate: VadGate, now: () => number): VADStream {
  const attach = stream.updateInputStream.bind(stream);
  const detach = stream.detachInputStream.bind(stream);
  let release: (() => void) | undefined;
  // The framework attaches its tee of the caller's audio, and detaches it to attach it again to a new stream (when
  // it restarts its VAD task): the gated source must let go of it then.
  stream.updateInputStream = (source) => {
    const gated = gatedFrames(source, () => gate.passes(now()));
    release = gated.release;
    attach(gated.stream);
  };
  stream.detachInputStream = () => {
    detach();
    release?.();
    release = undefined;
  };
  // The framework flushes the VAD when the recognizer ends a turn inside a VAD segment: Silero then drops the
  // segment without an END_OF_SPEECH.
  const flush = stream.flush.bind(stream);
  stream.flush = () => {
    flush();
    gate.vadSpeech(false, now());
  };
  const sender = stream as unknown as Sender;
  const send = sender.sendVADEvent.bind(stream);
  sender.sendVADEvent = (event: VADEvent) => {
    if (event.type === VADEventType.START_OF_SPEECH) gate.vadSpeech(true, now());
    else if (event.type === VADEventType.END_OF_SPEECH) gate.vadSpeech(false, now());
    return send(event);
  };
  return stream;
}

/** `source` with the frames `passes` refuses left out; `release` frees `source` for another reader. */
export function gatedFrames(source: ReadableStream<AudioFrame>, passes: (frame: AudioFrame) => boolean): { stream: ReadableStream<AudioFrame>; release: () => void } {
  const reader = source.getReader();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    reader.releaseLock();
  };
  const stream = new ReadableStream<AudioFrame>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            if (passes(value)) return controller.enqueue(value);
          }
        } catch (error) {
          // Released while a read was pending: the stream's reader has gone already.
          if (released) return controller.close();
          controller.error(error);
        }
      },
      cancel: release,
    },
    { highWaterMark: 0 },
  );
  return { stream, release };
}

/** Told when the gated VAD starts or stops hearing the caller (agent/turn-timing.ts). */
export interface ListeningObserver {
  vadListening(open: boolean, at: number): void;
}

/**
 * The VAD a call's session gets, and what to tell when the bot starts or stops speaking: gated (vad-gate.ts) when
 * `gate` (the recognizer ends turns), as it is otherwise.
 */
export function vadForSession<T extends VAD>(vad: T, gate: boolean, observer?: ListeningObserver): { vad: T; botSpeaking: (speaking: boolean) => void } {
  if (!gate) return { vad, botSpeaking: () => undefined };
  const vadGate = new VadGate({ onChange: (open, at) => observer?.vadListening(open, at) });
  observer?.vadListening(false, Date.now());
  return { vad: gatedVad(vad, vadGate), botSpeaking: (speaking) => vadGate.botSpeaking(speaking, Date.now()) };
}

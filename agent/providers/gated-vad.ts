import { ReadableStream } from "node:stream/web";
import type { AudioFrame } from "@livekit/rtc-node";
import { type VAD, type VADEvent, VADEventType, type VADStream } from "@livekit/agents";
import { isSilentFrame } from "../audio.ts";
import { SILERO_SAMPLE_RATE } from "./silent-windows.ts";
import { SettledSilence, VadGate } from "./vad-gate.ts";

/**
 * The same VAD (model, options, `instanceof` intact) whose streams only get the caller's frames while `gate` is
 * open: closed, a frame is dropped before the VAD sees it (no window, no inference, no event); open, so is the
 * digital silence the stream has settled on (`SettledSilence`). The stream's speech segments are told to the gate,
 * which stays open until a segment has ended. `now` is the gate's clock.
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
  // What this stream's Silero has heard: its model state is the stream's own.
  const silence = new SettledSilence<AudioFrame>();
  const select = (frame: AudioFrame) =>
    gate.passes(now())
      ? silence.next(frame, isSilentFrame(frame), (frame.samplesPerChannel * SILERO_SAMPLE_RATE) / frame.sampleRate, gate.vadInSpeech)
      : [];
  // The framework attaches its tee of the caller's audio, and detaches it to attach it again to a new stream (when
  // it restarts its VAD task): the gated source must let go of it then.
  stream.updateInputStream = (source) => {
    const gated = gatedFrames(source, select);
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

/**
 * `source` with each frame replaced by the frames `select` gives for it (none: left out; more: frames it had held go
 * in first); `release` frees `source` for another reader.
 */
export function gatedFrames(source: ReadableStream<AudioFrame>, select: (frame: AudioFrame) => readonly AudioFrame[]): { stream: ReadableStream<AudioFrame>; release: () => void } {
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
            const selected = select(value);
            if (selected.length === 0) continue;
            for (const frame of selected) controller.enqueue(frame);
            return;
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

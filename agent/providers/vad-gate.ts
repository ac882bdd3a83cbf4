import { SETTLED_SILENCE_MS, SILERO_SAMPLE_RATE, SILERO_WINDOW_SAMPLES } from "./silent-windows.ts";

/**
 * How long the VAD keeps listening after the bot has stopped speaking (ms): the bot's last audio is still on its way
 * to the caller (the output's lead, the network), and a message that follows at once keeps the VAD on. Short on
 * purpose: a caller who answers within it keeps the VAD on for that whole turn (the gate waits for the end of a
 * segment), and callers often answer 200–500 ms after the bot stops (a 500 ms tail kept Silero on ~90 % of the time
 * in scripts/bench-agent-cpu.ts).
 */
export const GATE_TAIL_MS = 150;

export interface VadGateOptions {
  tailMs?: number;
  /** Told when the gate opens or closes, with the time (Date.now() clock, or whatever clock the caller passes). */
  onChange?: (open: boolean, at: number) => void;
}

/**
 * When the VAD needs to hear the caller, if the recognizer ends turns itself (Flux, nova's endpointing): only to
 * catch the caller talking over the bot (barge-in, and the pause of a false interruption). So the gate is open
 * while the bot speaks and `tailMs` after, and stays open until a speech segment the VAD is in has ended (so it
 * always sees the end of what it saw start). Otherwise the caller's audio skips the VAD: no Silero inference.
 * Pure state: the times are passed in, the frames are handled by gated-vad.ts.
 */
export class VadGate {
  private botSpeakingNow = false;
  private botStoppedAt = Number.NEGATIVE_INFINITY;
  private inSpeech = false;
  private open = false;
  private readonly tailMs: number;

  constructor(private readonly options: VadGateOptions = {}) {
    this.tailMs = options.tailMs ?? GATE_TAIL_MS;
  }

  /** Whether a bot message (or one of our prompts) is playing or queued. */
  botSpeaking(speaking: boolean, at: number): void {
    if (speaking === this.botSpeakingNow) return;
    this.botSpeakingNow = speaking;
    if (!speaking) this.botStoppedAt = at;
    this.update(at);
  }

  /** The VAD started or ended a speech segment. */
  vadSpeech(speaking: boolean, at: number): void {
    this.inSpeech = speaking;
    this.update(at);
  }

  /** Whether a frame of caller audio at `at` goes to the VAD. */
  passes(at: number): boolean {
    return this.update(at);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Whether the VAD is in a speech segment (it has started one and not ended it). */
  get vadInSpeech(): boolean {
    return this.inSpeech;
  }

  private update(at: number): boolean {
    const open = this.botSpeakingNow || this.inSpeech || at - this.botStoppedAt < this.tailMs;
    if (open !== this.open) {
      this.open = open;
      this.options.onChange?.(open, at);
    }
    return open;
  }
}

/** At most a second of silence is held (Silero's 16 kHz samples). */
const MAX_HELD_SAMPLES = SILERO_SAMPLE_RATE;

/**
 * Inside the gate, for one VAD stream: the caller's digital silence once the VAD has settled on it. After
 * `SETTLED_SILENCE_MS` of it, Silero answers every further silent window without running its model, with the same
 * "no speech" and the same model state (silent-windows.ts), so those frames can be left out before the framework's VAD
 * plumbing (a stream hop, a window, an event each), which costs the agent more than the model skipped. A frame with
 * sound always goes in, and so does silence inside a speech segment, which the VAD needs to end it.
 *
 * Only whole Silero windows of silence are left out: frames are held until they make a whole number of windows, and
 * go in before the next frame with sound if they do not, so that the VAD's windows fall on the same audio as if
 * nothing had been left out and it finds speech where it would have. Left out, the silence does not advance the VAD's
 * clock, as when the gate is closed: its next event comes as after a shorter pause. Pure state, as `VadGate`: the
 * frames are read by gated-vad.ts.
 */
export class SettledSilence<Frame> {
  private heardMs = 0;
  private held: Frame[] = [];
  private heldSamples = 0;

  constructor(private readonly settledMs = SETTLED_SILENCE_MS) {}

  /**
   * The frames that go to the VAD now, given the next one: `silent` or not, `samples` long at Silero's 16 kHz;
   * `inSpeech`: the VAD is in a speech segment.
   */
  next(frame: Frame, silent: boolean, samples: number, inSpeech: boolean): Frame[] {
    if (!silent) {
      this.heardMs = 0;
      return this.release(frame);
    }
    if (inSpeech || this.heardMs < this.settledMs) {
      this.heardMs += (samples / SILERO_SAMPLE_RATE) * 1000;
      return this.release(frame);
    }
    this.held.push(frame);
    this.heldSamples += samples;
    // Frames whose windows do not line up within a second (none of the usual sizes) are let go anyway.
    if (this.heldSamples % SILERO_WINDOW_SAMPLES === 0 || this.heldSamples >= MAX_HELD_SAMPLES) {
      this.held = [];
      this.heldSamples = 0;
    }
    return [];
  }

  private release(frame: Frame): Frame[] {
    if (this.held.length === 0) return [frame];
    const frames = [...this.held, frame];
    this.held = [];
    this.heldSamples = 0;
    return frames;
  }
}

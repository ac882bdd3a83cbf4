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

  private update(at: number): boolean {
    const open = this.botSpeakingNow || this.inSpeech || at - this.botStoppedAt < this.tailMs;
    if (open !== this.open) {
      this.open = open;
      this.options.onChange?.(open, at);
    }
    return open;
  }
}

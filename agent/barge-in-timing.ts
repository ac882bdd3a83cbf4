/**
 * Barge-in as the agent sees it (issue #12: "detected speech → playback cleared"): from the VAD's detection of the
 * caller's speech (the event the framework interrupts on) to the moment our paced output stopped the bot's audio.
 * Only a stop that follows a detection of the same stretch of speech counts; a stop for another reason (keys, the
 * bot's own end) or speech while nothing plays gives nothing.
 */
export class BargeInTiming {
  /** When the VAD detected the current stretch of speech, until a stop used it or the speech ended. */
  private detectedAt: number | null = null;
  private counted = false;

  constructor(private readonly windowMs = 2000) {}

  /** The VAD detected speech at `at` (performance.now() clock); later detections of the same stretch are ignored. */
  speechDetected(at: number): void {
    if (this.detectedAt === null) {
      this.detectedAt = at;
      this.counted = false;
    }
  }

  /** The VAD's end of speech: the next detection is a new stretch. */
  speechEnded(): void {
    this.detectedAt = null;
  }

  /** The output stopped the bot's audio at `at`: the barge-in's time (ms) if it answers a detection, once. */
  outputStopped(at: number): number | undefined {
    if (this.detectedAt === null || this.counted) return undefined;
    const ms = at - this.detectedAt;
    if (ms < 0 || ms > this.windowMs) return undefined;
    this.counted = true;
    return ms;
  }
}

/**
 * Audio sent on a streaming recognizer connection that the recognizer has not finalized yet. If the connection drops,
 * this is what a new connection must hear again so that no words are lost. Times are seconds of stream audio.
 */
export class UnfinalizedAudio {
  private chunks: { startsAt: number; seconds: number; bytes: Uint8Array }[] = [];
  private end = 0;

  /** `maxSeconds` bounds the memory a recognizer that never finalizes can hold. */
  constructor(private readonly maxSeconds = 30) {}

  append(bytes: Uint8Array, seconds: number): void {
    this.chunks.push({ startsAt: this.end, seconds, bytes });
    this.end += seconds;
    while (this.chunks.length > 0 && this.end - this.chunks[0]!.startsAt > this.maxSeconds + 1e-6) this.chunks.shift();
  }

  /** The recognizer has finalized everything before `streamTime`. */
  finalizedUntil(streamTime: number): void {
    // A small tolerance: the recognizer reports times rounded to milliseconds.
    while (this.chunks.length > 0 && this.chunks[0]!.startsAt + this.chunks[0]!.seconds <= streamTime + 0.001) this.chunks.shift();
  }

  /** Stream time where the audio to send again starts (where a new connection's clock starts). */
  get startsAt(): number {
    return this.chunks[0]?.startsAt ?? this.end;
  }

  get seconds(): number {
    return this.end - this.startsAt;
  }

  replay(): Uint8Array[] {
    return this.chunks.map((c) => c.bytes);
  }
}

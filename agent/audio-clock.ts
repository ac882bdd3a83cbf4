/** Frames remembered: 80 s of 10 ms frames, more of 20 ms ones. */
const CAPACITY = 8192;

/**
 * The wall-clock time of a point in the audio sent to the recognizer. Recognizers time their words in seconds of the
 * audio they were sent (from the stream's first frame); the caller's audio comes in real time, so a point of it was
 * spoken when the frame holding it arrived, less what of that frame came after it. Gaps in the audio (a stalled
 * transport) are accounted for, as each frame keeps its own arrival time. Pure: times are passed in.
 */
export class AudioClock {
  /** End of each frame in audio seconds, and its arrival time (ms), in a ring. */
  private readonly ends = new Float64Array(CAPACITY);
  private readonly arrivals = new Float64Array(CAPACITY);
  private count = 0;
  private audioSeconds = 0;

  /** A frame of `seconds` of audio was sent to the recognizer at `at`. */
  heard(seconds: number, at: number): void {
    this.audioSeconds += seconds;
    const slot = this.count % CAPACITY;
    this.ends[slot] = this.audioSeconds;
    this.arrivals[slot] = at;
    this.count++;
  }

  /** When audio second `t` of the stream was heard (ms); null before any frame. */
  wallTime(t: number): number | null {
    if (this.count === 0) return null;
    const oldest = Math.max(0, this.count - CAPACITY);
    // The first frame ending at or after t, searched from the newest (a recent turn is near the end).
    let i = this.count - 1;
    while (i > oldest && this.ends[(i - 1) % CAPACITY]! >= t) i--;
    const slot = i % CAPACITY;
    return this.arrivals[slot]! - (this.ends[slot]! - t) * 1000;
  }
}

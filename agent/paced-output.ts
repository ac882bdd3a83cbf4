import { ReadableStream, type ReadableStreamDefaultController } from "node:stream/web";
import type { AudioFrame } from "@livekit/rtc-node";
import { USERDATA_TIMED_TRANSCRIPT, voice } from "@livekit/agents";
import type { TimedSentence } from "./spoken-text.ts";

/** Where paced audio goes: a browser socket, a test, … */
export interface AudioSink {
  /** Plays `frame` right after what was written before. */
  write(frame: AudioFrame): void;
  /** Drops whatever the far end has buffered but not played yet. */
  clear(): void;
}

type Item = { frame: AudioFrame } | { flush: true };

const RESUME_GRACE_MS = 100;

/**
 * An `AudioOutput` that releases frames to a sink in real time, keeping at most `leadMs` buffered at the far end,
 * so that pausing or clearing stops the caller's audio within about `leadMs`. It knows how much of each segment has
 * been played (for the `interrupted` report) and supports pause/resume (the framework's false-interruption handling).
 */
export class PacedAudioOutput extends voice.AudioOutput {
  private queue: Item[] = [];
  /** Sent frames whose playback has not ended yet, with the time it ends. */
  private inflight: { frame: AudioFrame; endsAt: number }[] = [];
  private playEnd = 0;
  private played = 0;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private resuming: NodeJS.Timeout | undefined;
  private segmentStarted = false;
  /** Per open segment, oldest first: seconds captured, and where each sentence's audio starts (from the TTS). */
  private captured: { seconds: number; sentences: TimedSentence[] }[] = [];
  /** The last finished segment: seconds played, seconds captured, and its sentences' timing. */
  lastSegment: { played: number; total: number; interrupted: boolean; sentences: TimedSentence[] } = { played: 0, total: 0, interrupted: false, sentences: [] };
  /** When audio last stopped because of pause/clear (for barge-in measurements). */
  lastStopAt = 0;
  /** Told when pause/clear stops audio that was playing or queued (performance.now() clock): barge-in timing. */
  onStopped: ((at: number) => void) | undefined;

  constructor(
    private readonly sink: AudioSink,
    sampleRate: number,
    private readonly leadMs = 60,
  ) {
    super(sampleRate, undefined, { pause: true });
  }

  /** Seconds of the current segment played so far. */
  get position(): number {
    return this.played;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    const before = this.pendingPlayoutSegments;
    await super.captureFrame(frame);
    if (this.pendingPlayoutSegments > before || this.captured.length === 0) this.captured.push({ seconds: 0, sentences: [] });
    const segment = this.captured[this.captured.length - 1]!;
    // The TTS's sentence adapter marks the first frame of each sentence with its text.
    const timed = frame.userdata[USERDATA_TIMED_TRANSCRIPT] as { text: string }[] | undefined;
    for (const { text } of timed ?? []) segment.sentences.push({ text, start: segment.seconds });
    segment.seconds += frame.samplesPerChannel / frame.sampleRate;
    this.queue.push({ frame });
    this.kick();
  }

  override flush(): void {
    super.flush();
    this.queue.push({ flush: true });
    this.kick();
  }

  override clearBuffer(): void {
    const open = this.pendingPlayoutSegments;
    const playing = this.queue.length > 0 || this.inflight.length > 0;
    this.advance(performance.now());
    const position = this.played;
    this.queue = [];
    this.inflight = [];
    this.playEnd = 0;
    this.sink.clear();
    this.lastStopAt = performance.now();
    if (playing) this.onStopped?.(this.lastStopAt);
    this.stop();
    super.flush();
    for (let i = 0; i < open; i++) this.finishSegment(position, true);
  }

  override pause(): void {
    if (this.paused) return;
    this.paused = true;
    const now = performance.now();
    const playing = this.queue.length > 0 || this.inflight.length > 0;
    this.advance(now);
    // What the far end holds but has not played goes back to the front of the queue.
    this.sink.clear();
    this.lastStopAt = now;
    if (playing) this.onStopped?.(now);
    this.queue.unshift(...this.inflight.map(({ frame }) => ({ frame })));
    this.inflight = [];
    this.playEnd = 0;
    this.stop();
  }

  /**
   * Playback starts again after a short grace: when the caller's words interrupt a paused reply, the framework
   * resumes the output first and clears it a moment later, and without the grace the caller heard a blip of the
   * reply they had just cut off.
   */
  override resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resuming = setTimeout(() => {
      this.resuming = undefined;
      this.kick();
    }, RESUME_GRACE_MS);
  }

  private kick(): void {
    if (this.paused || this.timer || this.resuming) return;
    this.tick();
    if (this.queue.length > 0 || this.inflight.length > 0) this.timer = setInterval(() => this.tick(), 10);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.resuming) clearTimeout(this.resuming);
    this.resuming = undefined;
  }

  private advance(now: number): void {
    while (this.inflight.length > 0 && this.inflight[0]!.endsAt <= now) {
      const { frame } = this.inflight.shift()!;
      this.played += frame.samplesPerChannel / frame.sampleRate;
    }
    // A partly played frame counts for what has played of it.
  }

  private tick(): void {
    const now = performance.now();
    this.advance(now);
    while (this.queue.length > 0 && !this.paused) {
      const head = this.queue[0]!;
      if ("flush" in head) {
        if (this.inflight.length > 0) break;
        this.queue.shift();
        if (this.segmentStarted || this.pendingPlayoutSegments > 0) this.finishSegment(this.played, false);
        continue;
      }
      if (this.playEnd - now >= this.leadMs) break;
      this.queue.shift();
      if (!this.segmentStarted) {
        this.segmentStarted = true;
        this.onPlaybackStarted(Date.now());
      }
      const duration = (head.frame.samplesPerChannel / head.frame.sampleRate) * 1000;
      this.playEnd = Math.max(this.playEnd, now) + duration;
      this.inflight.push({ frame: head.frame, endsAt: this.playEnd });
      this.sink.write(head.frame);
    }
    if (this.queue.length === 0 && this.inflight.length === 0) this.stop();
  }

  private finishSegment(position: number, interrupted: boolean): void {
    this.segmentStarted = false;
    this.played = 0;
    const segment = this.captured.shift();
    this.lastSegment = { played: position, total: segment?.seconds ?? 0, interrupted, sentences: segment?.sentences ?? [] };
    if (this.pendingPlayoutSegments > 0) this.onPlaybackFinished({ playbackPosition: position, interrupted });
  }

  close(): void {
    this.stop();
    this.queue = [];
    this.inflight = [];
  }
}

/**
 * An `AudioInput` fed by the transport: push caller frames in, the session reads them. The session's activity reads
 * this stream itself rather than through the base class's `MultiInputStream`, which would add a pump and an identity
 * transform (several promises) to every frame of every call for nothing: there is only ever one source.
 */
export class PushAudioInput extends voice.AudioInput {
  private controller: ReadableStreamDefaultController<AudioFrame> | undefined;
  private closedInput = false;
  private readonly source = new ReadableStream<AudioFrame>({
    start: (controller) => {
      this.controller = controller;
    },
  });

  override get stream(): ReadableStream<AudioFrame> {
    return this.source;
  }

  push(frame: AudioFrame): void {
    if (!this.closedInput) this.controller?.enqueue(frame);
  }

  override async close(): Promise<void> {
    if (!this.closedInput) {
      this.closedInput = true;
      try {
        this.controller?.close();
      } catch {
        /* already closed */
      }
    }
    await super.close();
  }
}

/** One tick of a waterfall's time axis: ms from the turn's origin, and where it sits on the track (%). */
export interface AxisTick {
  ms: number;
  left: number;
}

/** The axis of a turn: what its 0 is, and its ticks. */
export interface TimeAxis {
  origin: "speech_end" | "message";
  ticks: AxisTick[];
}

/** A round step (1, 2 or 5 × a power of ten, at least 1 ms) that cuts `spanMs` into at most `maxTicks` intervals. */
export function tickStep(spanMs: number, maxTicks = 6): number {
  const raw = Math.max(1, spanMs / maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const multiple of [1, 2, 5, 10]) if (multiple * magnitude >= raw) return multiple * magnitude;
  return 10 * magnitude;
}

/**
 * Ticks for a track that runs from `start` to `end` (epoch ms), labelled in ms from `origin` (the caller's speech end,
 * or the message's arrival on a call without speech): every multiple of a round step that falls on the track.
 */
export function axisTicks(start: number, end: number, origin: number): AxisTick[] {
  const spanMs = end - start;
  if (spanMs <= 0) return [{ ms: start - origin, left: 0 }];
  const step = tickStep(spanMs);
  const ticks: AxisTick[] = [];
  // `+ 0` turns the -0 of a track that starts just before the origin into 0.
  for (let ms = Math.ceil((start - origin) / step) * step + 0; ms <= end - origin; ms += step) {
    ticks.push({ ms, left: ((origin + ms - start) / spanMs) * 100 });
  }
  return ticks;
}

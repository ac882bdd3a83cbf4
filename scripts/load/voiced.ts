/**
 * One past the last voiced sample of PCM16 mono audio, 0 if none is voiced: the last sample at least `threshold`
 * (of full scale) loud in the last `windowMs` window whose RMS level reaches `threshold`. The window finds where
 * the voice is (a hiss whose peaks pass the threshold does not count), the sample where in that window it ends.
 * The default, −46 dBFS, counts the faint tail of a word (espeak-ng fades out over ~30 ms) as speech, and digital
 * silence or a quiet line's hiss as not.
 */
export function voicedEnd(samples: Int16Array, sampleRate: number, { windowMs = 10, threshold = 0.005 } = {}): number {
  const window = Math.max(1, Math.round((sampleRate * windowMs) / 1000));
  const floor = threshold * 32768;
  for (let start = Math.floor((samples.length - 1) / window) * window; start >= 0; start -= window) {
    const end = Math.min(samples.length, start + window);
    let energy = 0;
    for (let i = start; i < end; i++) energy += samples[i]! ** 2;
    if (Math.sqrt(energy / (end - start)) < floor) continue;
    for (let i = end - 1; i >= start; i--) if (Math.abs(samples[i]!) >= floor) return i + 1;
  }
  return 0;
}

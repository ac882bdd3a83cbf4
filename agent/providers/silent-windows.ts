import { type InferenceSession, Tensor } from "onnxruntime-node";
import { SILENCE_PEAK } from "../audio.ts";
import { vadWindows } from "../metrics.ts";

/** Windows of silence a stream runs through the model before the rest of that silence is answered without it (~1 s). */
const SETTLE_WINDOWS = 32;
/** Silero's window: 512 samples at 16 kHz (the plugin resamples other rates to it). */
export const SILERO_SAMPLE_RATE = 16_000;
export const SILERO_WINDOW_SAMPLES = 512;
const WINDOW_MS = (SILERO_WINDOW_SAMPLES / SILERO_SAMPLE_RATE) * 1000;
/**
 * Digital silence (ms) after which a stream's further silent windows are surely answered without the model: the settling
 * windows, one more for a window holding the end of a sound, one for the plugin's resampling. From then on, leaving
 * such silence out of the VAD changes nothing the model decides (providers/vad-gate.ts, `SettledSilence`).
 */
export const SETTLED_SILENCE_MS = (SETTLE_WINDOWS + 2) * WINDOW_MS;

type Feeds = { input: Tensor; state: Tensor; sr: Tensor };
type Session = Pick<InferenceSession, "run">;

/**
 * Silero's model over long silence, answered without running it. On digital silence (the line quiet between turns,
 * a browser's noise suppression, SIP without comfort noise) the model's probability settles within a second far
 * below the speech threshold (≈ 0.004 against 0.5), and its recurrent state only drifts. So once a stream has run
 * the model on `SETTLE_WINDOWS` silent windows in a row, further silent windows return that stream's last
 * probability and keep its state as it is, without inference; the first window with any sound runs the model from
 * there. Speech onsets are found where the model alone finds them (test/node/silent-windows.test.ts); quiet noise
 * (not digital silence) always runs the model. Each call's `VAD` takes this in place of its ONNX session
 * (providers/silero.ts); a stream is told apart by its state array, which the plugin passes in every run.
 */
export class SilentWindows {
  /** Windows answered without the model, and with it (for the benchmark and tests). */
  readonly counts = { skipped: 0, run: 0 };
  private readonly streams = new WeakMap<object, { silentRuns: number; probability: Float32Array }>();

  constructor(private readonly session: Session) {}

  run(feeds: Feeds, ...rest: unknown[]): ReturnType<Session["run"]> {
    const input = feeds.input.data as Float32Array;
    const state = feeds.state.data as Float32Array;
    const silent = peak(input) < SILENCE_PEAK;
    const stream = this.streams.get(state);
    if (silent && stream && stream.silentRuns >= SETTLE_WINDOWS) {
      this.counts.skipped++;
      vadWindows.inc({ model: "skipped" });
      return Promise.resolve({
        output: new Tensor("float32", stream.probability.slice(), [1, 1]),
        stateN: new Tensor("float32", state.slice(), [2, 1, 128]),
      });
    }
    this.counts.run++;
    vadWindows.inc({ model: "run" });
    return (this.session.run as (...args: unknown[]) => ReturnType<Session["run"]>)(feeds, ...rest).then((result) => {
      const probability = Float32Array.from(result.output!.data as Float32Array);
      this.streams.set(state, { silentRuns: silent ? (stream?.silentRuns ?? 0) + 1 : 0, probability });
      return result;
    });
  }
}

function peak(samples: Float32Array): number {
  let max = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = Math.abs(samples[i]!);
    if (v > max) max = v;
  }
  return max;
}

import { fileURLToPath } from "node:url";
import * as silero from "@livekit/agents-plugin-silero";
import { InferenceSession } from "onnxruntime-node";
import { SilentWindows } from "./silent-windows.ts";

/** The plugin's defaults (`VAD.load()` with no options), spelled out because the plugin does not export them. */
export const SILERO_OPTIONS: ConstructorParameters<typeof silero.VAD>[1] = {
  minSpeechDuration: 50,
  minSilenceDuration: 550,
  prefixPaddingDuration: 500,
  maxBufferedSpeech: 60_000,
  activationThreshold: 0.5,
  sampleRate: 16_000,
  forceCPU: true,
};

/**
 * Silero VAD for many calls in one process: the ONNX model is loaded once, and every call gets its own `VAD` over it.
 * Sharing one `VAD` would leak: the plugin keeps every stream a `VAD` has handed out (each holds a 60 s speech buffer)
 * for as long as that `VAD` lives. A per-call `VAD` takes its streams with it when the call is over.
 */
export class SileroModel {
  private constructor(
    readonly session: InferenceSession,
    /** The model, with silence answered without running it (silent-windows.ts); what each call's VAD gets. */
    readonly windows: SilentWindows,
  ) {}

  static async load(): Promise<SileroModel> {
    const model = fileURLToPath(new URL("silero_vad.onnx", import.meta.resolve("@livekit/agents-plugin-silero")));
    // The plugin's own session settings (onnx_model.js): one thread, sequential, CPU.
    const session = await InferenceSession.create(model, { interOpNumThreads: 1, intraOpNumThreads: 1, executionMode: "sequential", executionProviders: ["cpu"] });
    return new SileroModel(session, new SilentWindows(session));
  }

  forCall(): silero.VAD {
    return new silero.VAD(this.windows as unknown as InferenceSession, SILERO_OPTIONS);
  }
}

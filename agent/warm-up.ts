import { type APIConnectOptions, log, type tts, voice } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { type AudioSink, PacedAudioOutput } from "./paced-output.ts";
import { ChunkedOnlyTTS, ChunkedSynthesis } from "./providers/chunked-tts.ts";
import { pushPcmFrames } from "./providers/pcm-stream.ts";

const WARM_UP_RATE = 24_000;
const WARM_UP_AUDIO_MS = 60;

/** A synthesizer of silence, so that the warm-up runs our TTS plumbing without a provider. */
class SilentTTS extends ChunkedOnlyTTS {
  label = "phonemybot.WarmUpTTS";

  constructor() {
    super(WARM_UP_RATE, 1);
  }

  protected chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream {
    return new SilentSynthesis(this, text, connOptions, signal);
  }
}

class SilentSynthesis extends ChunkedSynthesis<SilentTTS> {
  label = "phonemybot.WarmUpSynthesis";

  protected async attempt(push: (frame: AudioFrame) => void): Promise<void> {
    async function* body() {
      yield new Uint8Array(((WARM_UP_RATE * WARM_UP_AUDIO_MS) / 1000) * 2);
    }
    await pushPcmFrames(body(), WARM_UP_RATE, push);
  }
}

/**
 * Speaks one short sentence of silence through a throwaway session, as a call's replies go (the framework's speech
 * scheduling and TTS pipeline, our synthesis plumbing, the paced output), into no sink.
 *
 * Why: a process's first reply ran ~30–60 ms slower than the next ones (docs/performance.md): code run for the first
 * time, and Node formatting the framework's first "reader released" error against its source map. A LiveKit job
 * process carries one call, so without this every call's first reply paid it. Run before the process takes calls: in
 * the job process's prewarm, and before the local transport listens.
 */
export async function warmUpSpeech(sink: AudioSink = { write: () => undefined, clear: () => undefined }): Promise<void> {
  const startedAt = performance.now();
  const synthesizer = new SilentTTS();
  const session = new voice.AgentSession({ tts: synthesizer, userAwayTimeout: null, aecWarmupDuration: null });
  const output = new PacedAudioOutput(sink, WARM_UP_RATE);
  session.output.audio = output;
  try {
    await session.start({ agent: new voice.Agent({ instructions: "" }) });
    await session.say("Warming up.").waitForPlayout();
    log().info({ ms: Math.round(performance.now() - startedAt) }, "speech path warmed up");
  } catch (error) {
    // Only the first call's first reply is slower without it: never a reason not to take calls.
    log().warn({ error: error instanceof Error ? error.message : String(error) }, "speech warm-up failed");
  } finally {
    await session.close();
    output.close();
    await synthesizer.close();
  }
}

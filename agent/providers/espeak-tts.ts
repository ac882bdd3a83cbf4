import { spawn } from "node:child_process";
import { AudioResampler } from "@livekit/rtc-node";
import { AudioByteStream, type APIConnectOptions, type tts } from "@livekit/agents";
import { ChunkedOnlyTTS, ChunkedSynthesis } from "./chunked-tts.ts";
import type { AudioFrame } from "@livekit/rtc-node";
import { parseWavHeader } from "../audio.ts";

export const ESPEAK_SAMPLE_RATE = 22_050;

export interface EspeakTTSOptions {
  voice: string;
  /** Output rate; espeak-ng's 22.05 kHz is resampled to it. Default 24 kHz (the same as OpenAI). */
  sampleRate?: number;
  /** Words per minute (espeak-ng -s). */
  speed?: number;
  binary?: string;
}

/** Offline text-to-speech through Debian's espeak-ng, streamed from its stdout as it synthesizes. */
export class EspeakTTS extends ChunkedOnlyTTS {
  label = "phonemybot.EspeakTTS";

  constructor(readonly options: EspeakTTSOptions) {
    super(options.sampleRate ?? 24_000, 1);
  }

  override get model(): string {
    return `espeak-ng:${this.options.voice}`;
  }

  override get provider(): string {
    return "espeak-ng";
  }

  protected chunked(text: string, connOptions: APIConnectOptions | undefined, signal: AbortSignal): tts.ChunkedStream {
    return new EspeakChunkedStream(this, text, connOptions, signal);
  }
}

class EspeakChunkedStream extends ChunkedSynthesis<EspeakTTS> {
  label = "phonemybot.EspeakChunkedStream";

  protected async attempt(push: (frame: AudioFrame) => void): Promise<void> {
    const { options } = this.owner;
    const args = ["-v", options.voice, "-s", String(options.speed ?? 165), "--stdout", "--", this.inputText];
    const child = spawn(options.binary ?? "espeak-ng", args, { stdio: ["ignore", "pipe", "pipe"], signal: this.signal });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve(code));
    });
    exited.catch(() => undefined); // an abort (barge-in, hang-up) kills espeak-ng: not an error
    child.stdout.on("error", () => undefined);
    const outRate = this.owner.sampleRate;
    const resampler = outRate === ESPEAK_SAMPLE_RATE ? undefined : new AudioResampler(ESPEAK_SAMPLE_RATE, outRate, 1);
    const inBytes = new AudioByteStream(ESPEAK_SAMPLE_RATE, 1, ESPEAK_SAMPLE_RATE / 50);
    const outBytes = new AudioByteStream(outRate, 1, outRate / 50);
    const emit = (frames: AudioFrame[]) => {
      for (const frame of frames) {
        if (!resampler) {
          push(frame);
          continue;
        }
        for (const out of resampler.push(frame)) for (const f of outBytes.write(out.data.slice().buffer)) push(f);
      }
    };
    try {
      let header = Buffer.alloc(0);
      let dataStarted = false;
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        let data = chunk;
        if (!dataStarted) {
          header = Buffer.concat([header, chunk]);
          if (header.length < 44) continue;
          const { sampleRate, dataOffset } = parseWavHeader(header);
          if (sampleRate !== ESPEAK_SAMPLE_RATE) throw new Error(`espeak-ng produced ${sampleRate} Hz`);
          data = header.subarray(dataOffset);
          dataStarted = true;
        }
        emit(inBytes.write(data.slice().buffer));
      }
      emit(inBytes.flush());
      if (resampler) for (const out of resampler.flush()) for (const f of outBytes.write(out.data.slice().buffer)) push(f);
      for (const f of outBytes.flush()) push(f);
      const code = await exited;
      if (code !== 0 && !this.signal.aborted) throw new Error(`espeak-ng exited with ${code}`);
    } finally {
      resampler?.close();
    }
  }
}

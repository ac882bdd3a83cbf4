import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type AudioBuffer, mergeFrames, stt } from "@livekit/agents";
import { encodeWav, resample } from "../audio.ts";

const run = promisify(execFile);

export interface SphinxSTTOptions {
  /** BCP-47 tag reported on transcripts. Debian ships only the US English acoustic model. */
  language: string;
  /**
   * Phrases the caller may say. When given, recognition is constrained to them through a JSGF grammar, which is
   * what makes pocketsphinx usable on synthetic or telephone speech. Without them the general English language
   * model is used (poor: see docs/voice.md).
   */
  phrases?: string[];
  binary?: string;
}

/**
 * Offline speech-to-text with Debian's pocketsphinx (`pocketsphinx_continuous`), one utterance at a time. It is not
 * streaming: the session wraps it in `stt.StreamAdapter` with Silero VAD, which cuts utterances and calls
 * `recognize` on each.
 */
export class SphinxSTT extends stt.STT {
  label = "phonemybot.SphinxSTT";
  private grammar: Promise<string | undefined> | undefined;
  private workdir: Promise<string> | undefined;

  constructor(readonly options: SphinxSTTOptions) {
    super({ streaming: false, interimResults: false });
  }

  override get model(): string {
    return this.options.phrases?.length ? "pocketsphinx-en-us+jsgf" : "pocketsphinx-en-us";
  }

  override get provider(): string {
    return "pocketsphinx";
  }

  private dir(): Promise<string> {
    this.workdir ??= mkdtemp(join(tmpdir(), "pmb-sphinx-"));
    return this.workdir;
  }

  private grammarFile(): Promise<string | undefined> {
    this.grammar ??= (async () => {
      const phrases = (this.options.phrases ?? []).map(normalizePhrase).filter((p) => p.length > 0);
      if (phrases.length === 0) return undefined;
      const file = join(await this.dir(), "phrases.gram");
      await writeFile(file, `#JSGF V1.0;\ngrammar phrases;\npublic <utterance> = ${phrases.join(" | ")} ;\n`);
      return file;
    })();
    return this.grammar;
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const frame = mergeFrames(buffer);
    const samples = resample(frame.data, frame.sampleRate, 16_000);
    const dir = await this.dir();
    const wav = join(dir, `utt-${process.hrtime.bigint()}.wav`);
    await writeFile(wav, encodeWav(samples, 16_000));
    try {
      const grammar = await this.grammarFile();
      const args = ["-infile", wav, "-logfn", "/dev/null", ...(grammar ? ["-jsgf", grammar] : [])];
      const { stdout } = await run(this.options.binary ?? "pocketsphinx_continuous", args, { signal: abortSignal });
      const text = stdout.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
      const duration = samples.length / 16_000;
      return {
        type: stt.SpeechEventType.FINAL_TRANSCRIPT,
        alternatives: [{ language: this.options.language as never, text, startTime: 0, endTime: duration, confidence: text ? 1 : 0 }],
      };
    } finally {
      await rm(wav, { force: true });
    }
  }

  stream(): stt.SpeechStream {
    throw new Error("SphinxSTT is not streaming: wrap it in stt.StreamAdapter with a VAD");
  }

  override async close(): Promise<void> {
    if (this.workdir) await rm(await this.workdir, { recursive: true, force: true });
  }
}

/** Lower-case words only: what JSGF and the pronunciation dictionary accept. */
export function normalizePhrase(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[^a-z' ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

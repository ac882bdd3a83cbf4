import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type AudioBuffer, asLanguageCode, mergeFrames, stt } from "@livekit/agents";
import { encodeWav, resample } from "../audio.ts";

const run = promisify(execFile);

/**
 * What pocketsphinx recognises: Debian ships one acoustic model and dictionary for it, US English. Transcripts carry
 * this tag whatever the service's language; speech in another language comes out as English-sounding guesses.
 */
const SPHINX_LANGUAGE = "en-US";

/** Debian's pronunciation dictionary for the en-us model: a grammar with a word outside it makes pocketsphinx fail. */
const DEBIAN_DICTIONARY = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

let dictionaryWords: Promise<Set<string> | undefined> | undefined;

/** The dictionary's words (alternative pronunciations `word(2)` folded), or undefined when it cannot be read. */
function knownWords(path: string): Promise<Set<string> | undefined> {
  dictionaryWords ??= readFile(path, "utf8").then(
    (text) => new Set(text.split("\n").map((line) => line.slice(0, line.indexOf(" ")).replace(/\(\d+\)$/, ""))),
    () => undefined,
  );
  return dictionaryWords;
}

/** pocketsphinx's `-logbase` (default 1.0001): the scores and probabilities in its log are powers of it. */
const LOG_BASE = 1.0001;

/**
 * The posterior probability of a transcript, read from pocketsphinx's log: P(S|O), which its general-model search
 * computes over the word lattice of each utterance (the number `ps_get_prob` returns), multiplied over the
 * utterances it cut the audio into. undefined when the log has none: its grammar (JSGF) search computes no
 * posterior (`-time yes` shows 1.000 for every word, and fits out-of-grammar speech to a phrase with the same
 * 1.000), and its raw acoustic scores depend on the voice and the line, so no honest 0…1 number exists there.
 */
export function transcriptPosterior(log: string): number | undefined {
  const exponents = [...log.matchAll(/P\(S\|O\) = (-?\d+)/g)].map((m) => Number(m[1]));
  if (exponents.length === 0) return undefined;
  return Math.min(1, LOG_BASE ** exponents.reduce((sum, e) => sum + e, 0));
}

export interface SphinxSTTOptions {
  /**
   * Phrases the caller may say. When given, recognition is constrained to them through a JSGF grammar, which is
   * what makes pocketsphinx usable on synthetic or telephone speech. Without them the general English language
   * model is used (poor: see docs/voice.md).
   */
  phrases?: string[];
  /**
   * The service's key terms (`speechKeyterms`): added to the phrase grammar as phrases of their own, so a caller
   * saying one is recognized. Only with `phrases` (the general model takes no hints).
   */
  keyterms?: readonly string[];
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
  /** Phrases for the next utterance only (a bot message's key terms), added to the grammar once. */
  private utterancePhrases: readonly string[] = [];
  private grammars = 0;
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

  /** Expects `terms` in the next utterance (added to the phrase grammar for it). Only with `phrases`. */
  hintNextUtterance(terms: readonly string[]): boolean {
    if (!this.options.phrases?.length || terms.length === 0) return false;
    this.utterancePhrases = terms;
    this.grammar = undefined;
    return true;
  }

  private grammarFile(): Promise<string | undefined> {
    this.grammar ??= (async () => {
      const given = this.options.phrases ?? [];
      if (given.length === 0) return undefined;
      // Key terms the dictionary cannot pronounce are left out: one unknown word would make every utterance fail.
      const words = await knownWords(DEBIAN_DICTIONARY);
      const pronounceable = (phrase: string) => !words || phrase.split(" ").every((w) => words.has(w));
      const terms = [...(this.options.keyterms ?? []), ...this.utterancePhrases].map(normalizePhrase).filter(pronounceable);
      const phrases = [...new Set([...given.map(normalizePhrase), ...terms].filter((p) => p.length > 0))];
      if (phrases.length === 0) return undefined;
      const file = join(await this.dir(), `phrases-${this.grammars++}.gram`);
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
      // The next utterance's phrases were for this one: the one after gets the service's grammar again.
      if (this.utterancePhrases.length > 0) {
        this.utterancePhrases = [];
        this.grammar = undefined;
      }
      const args = ["-infile", wav, ...(grammar ? ["-jsgf", grammar] : [])];
      // The transcript on stdout, one line per utterance; the log, with the posterior, on stderr.
      const { stdout, stderr } = await run(this.options.binary ?? "pocketsphinx_continuous", args, { signal: abortSignal });
      const text = stdout.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
      const alternative = {
        language: asLanguageCode(SPHINX_LANGUAGE),
        text,
        startTime: 0,
        endTime: samples.length / 16_000,
        confidence: transcriptPosterior(stderr),
      };
      // SpeechData's type wants a confidence; rather than invent one, none is given when pocketsphinx has none
      // (the framework averages a missing one as 0 in its turn metrics).
      return { type: stt.SpeechEventType.FINAL_TRANSCRIPT, alternatives: [alternative as stt.SpeechData] };
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

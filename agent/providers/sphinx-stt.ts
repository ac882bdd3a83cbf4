import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type AudioBuffer, asLanguageCode, mergeFrames, stt } from "@livekit/agents";
import { encodeWav, resample } from "../audio.ts";
import { jsgfRuleDefinitions } from "../../protocol/speech-context-grammars.ts";
import type { UtteranceHint } from "../../protocol/speech-contexts.ts";

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
  /** The next utterance only (a bot message's key terms and speech contexts): added to the grammar once. */
  private utterance: Pick<UtteranceHint, "keyterms" | "grammarRules"> = { keyterms: [], grammarRules: [] };
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

  /**
   * Tunes the next utterance: its speech contexts' rules join the grammar (they make one even without `phrases`: a
   * digit sequence is recognized far better by its rule than by the general model), its key terms join a grammar.
   */
  hintNextUtterance(hint: Pick<UtteranceHint, "keyterms" | "grammarRules">): boolean {
    const grammar = Boolean(this.options.phrases?.length) || hint.grammarRules.length > 0;
    if (!grammar || (hint.keyterms.length === 0 && hint.grammarRules.length === 0)) return false;
    this.utterance = hint;
    this.grammar = undefined;
    return true;
  }

  /** The grammar the next utterance is recognized with (JSGF), or undefined for the general model. */
  nextGrammar(): Promise<string | undefined> {
    return this.grammarFile().then((file) => (file ? readFile(file, "utf8") : undefined));
  }

  private grammarFile(): Promise<string | undefined> {
    this.grammar ??= (async () => {
      const given = this.options.phrases ?? [];
      const rules = this.utterance.grammarRules;
      if (given.length === 0 && rules.length === 0) return undefined;
      // Key terms the dictionary cannot pronounce are left out: one unknown word would make every utterance fail.
      const words = await knownWords(DEBIAN_DICTIONARY);
      const pronounceable = (phrase: string) => !words || phrase.split(" ").every((w) => words.has(w));
      const terms = [...(this.options.keyterms ?? []), ...this.utterance.keyterms].map(normalizePhrase).filter(pronounceable);
      const phrases = [...new Set([...given.map(normalizePhrase), ...terms].filter((p) => p.length > 0))];
      const alternatives = [...phrases, ...rules.map((rule) => `<${rule}>`)];
      if (alternatives.length === 0) return undefined;
      const file = join(await this.dir(), `phrases-${this.grammars++}.gram`);
      const definitions = jsgfRuleDefinitions(rules).map((rule) => `${rule}\n`).join("");
      await writeFile(file, `#JSGF V1.0;\ngrammar phrases;\n${definitions}public <utterance> = ${alternatives.join(" | ")} ;\n`);
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
      // The next utterance's hint was for this one: the one after gets the service's grammar again.
      if (this.utterance.keyterms.length > 0 || this.utterance.grammarRules.length > 0) {
        this.utterance = { keyterms: [], grammarRules: [] };
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

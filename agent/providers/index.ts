import { type VAD, stt, type tts } from "@livekit/agents";
import { DeepgramSTT } from "./deepgram-stt.ts";
import { EspeakTTS } from "./espeak-tts.ts";
import { deepgramLanguage, deepgramModel, espeakVoice, openaiVoice, sphinxUnderstands } from "./languages.ts";
import { OpenAIStreamingTTS } from "./openai-tts.ts";
import { SphinxSTT } from "./sphinx-stt.ts";
import { stableSpeechFrames } from "./stable-vad.ts";

/** Which speech providers a call uses, from the environment. Keys present → cloud providers; absent → offline. */
export interface SpeechConfig {
  deepgramApiKey?: string;
  /** Default wss://api.deepgram.com (tests point it at a fake). */
  deepgramUrl?: string;
  deepgramModel?: string;
  /** Deepgram endpointing, ms of silence before speech_final. */
  endpointingMs?: number;
  openaiApiKey?: string;
  /** Including /v1. */
  openaiBaseUrl?: string;
  openaiModel?: string;
  /** Per-language voice overrides, e.g. {"en": "verse", "fr-CA": "coral"}. */
  openaiVoices?: Record<string, string>;
  /** Phrases for the offline recognizer's grammar (see SphinxSTT). */
  offlinePhrases?: string[];
}

export function speechConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SpeechConfig {
  return {
    deepgramApiKey: env.DEEPGRAM_API_KEY || undefined,
    deepgramUrl: env.DEEPGRAM_URL || undefined,
    deepgramModel: env.DEEPGRAM_MODEL || undefined,
    endpointingMs: env.DEEPGRAM_ENDPOINTING_MS ? Number(env.DEEPGRAM_ENDPOINTING_MS) : undefined,
    openaiApiKey: env.OPENAI_API_KEY || undefined,
    openaiBaseUrl: env.OPENAI_BASE_URL || undefined,
    openaiModel: env.OPENAI_TTS_MODEL || undefined,
    openaiVoices: env.OPENAI_TTS_VOICES ? (JSON.parse(env.OPENAI_TTS_VOICES) as Record<string, string>) : undefined,
    offlinePhrases: env.OFFLINE_STT_PHRASES ? env.OFFLINE_STT_PHRASES.split("|") : undefined,
  };
}

export interface SpeechProviders {
  /** A streaming STT (the session needs interim/final events). */
  stt: stt.STT;
  tts: tts.TTS;
  sttName: "deepgram" | "pocketsphinx";
  ttsName: "openai" | "espeak-ng";
  /** Whether the recognizer knows the call's language (Deepgram knows all of ours; pocketsphinx only English). */
  sttUnderstandsLanguage: boolean;
  /** Key terms for the caller's next utterance (a bot message's `hints.stt.keyterms`); false when the recognizer cannot. */
  hintNextUtterance(terms: readonly string[]): boolean;
}

/** The STT and TTS for one call in `language` (a tag from protocol/languages.ts). */
/** `keyterms`: the service's `speechKeyterms` (conversation settings), hints for the recognizer. */
export function createSpeech(config: SpeechConfig, language: string, vad: VAD, keyterms: readonly string[] = []): SpeechProviders {
  const sphinx = config.deepgramApiKey ? undefined : new SphinxSTT({ phrases: config.offlinePhrases, keyterms });
  const recognizer: SpeechProviders["stt"] = config.deepgramApiKey
    ? new DeepgramSTT({
        apiKey: config.deepgramApiKey,
        baseUrl: config.deepgramUrl,
        language: deepgramLanguage(language),
        model: config.deepgramModel ?? deepgramModel(language),
        endpointingMs: config.endpointingMs ?? 300,
        keyterms,
      })
    : // The adapter recognizes each utterance from the VAD's END_OF_SPEECH audio, which must be a copy (stable-vad.ts).
      new stt.StreamAdapter(sphinx!, stableSpeechFrames(vad));
  const synthesizer: tts.TTS = config.openaiApiKey
    ? new OpenAIStreamingTTS({
        apiKey: config.openaiApiKey,
        baseURL: config.openaiBaseUrl,
        model: config.openaiModel,
        voice: openaiVoice(language, config.openaiVoices),
      })
    : new EspeakTTS({ voice: espeakVoice(language) });
  return {
    stt: recognizer,
    tts: synthesizer,
    sttName: config.deepgramApiKey ? "deepgram" : "pocketsphinx",
    ttsName: config.openaiApiKey ? "openai" : "espeak-ng",
    sttUnderstandsLanguage: config.deepgramApiKey ? true : sphinxUnderstands(language),
    hintNextUtterance: (terms) => (recognizer instanceof DeepgramSTT ? recognizer.hintNextUtterance(terms) : (sphinx?.hintNextUtterance(terms) ?? false)),
  };
}

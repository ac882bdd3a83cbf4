import { type VAD, stt, type tts } from "@livekit/agents";
import { type VoiceSettings, voiceSettings } from "../../protocol/settings/voice.ts";
import type { UtteranceHint } from "../../protocol/speech-contexts.ts";
import { CartesiaTTS } from "./cartesia-tts.ts";
import { DeepgramSTT } from "./deepgram-stt.ts";
import { DeepgramAuraTTS } from "./deepgram-tts.ts";
import { EspeakTTS } from "./espeak-tts.ts";
import type { FluxTurnSignal } from "./flux-messages.ts";
import { FluxSTT } from "./flux-stt.ts";
import { auraVoice, cartesiaLanguage, deepgramLanguage, deepgramModel, espeakVoice, fluxSpeaks, openaiVoice, sphinxUnderstands } from "./languages.ts";
import { OpenAIStreamingTTS } from "./openai-tts.ts";
import { SphinxSTT } from "./sphinx-stt.ts";
import { stableSpeechFrames } from "./stable-vad.ts";
import { type Provider, type ProviderVoices, availableVoices, chooseVoice } from "./voices.ts";

/** Which speech providers a call uses, from the environment. Keys present → cloud providers; absent → offline. */
export interface SpeechConfig {
  deepgramApiKey?: string;
  /** Default wss://api.deepgram.com (tests point it at a fake). */
  deepgramUrl?: string;
  deepgramModel?: string;
  /** Deepgram endpointing, ms of silence before speech_final (nova, languages other than Flux's). */
  endpointingMs?: number;
  /** Deepgram Flux (`/v2/listen`, its own end-of-turn model) for English. */
  flux?: boolean;
  /** Flux's `eot_timeout_ms`: silence after which a turn ends whatever Flux's confidence. */
  fluxEotTimeoutMs?: number;
  /** Extra Aura-2 voices by language, e.g. {"de": "aura-2-julius-de"}. */
  deepgramTtsVoices?: Record<string, string>;
  cartesiaApiKey?: string;
  /** Default wss://api.cartesia.ai. */
  cartesiaUrl?: string;
  cartesiaModel?: string;
  /** Cartesia voices offered beyond ours: id → label. */
  cartesiaVoices?: Record<string, string>;
  openaiApiKey?: string;
  /** Including /v1. */
  openaiBaseUrl?: string;
  openaiModel?: string;
  /** Per-language voice overrides, e.g. {"en": "verse", "fr-CA": "coral"}. */
  openaiVoices?: Record<string, string>;
  /** Phrases for the offline recognizer's grammar (see SphinxSTT). */
  offlinePhrases?: string[];
  /**
   * Whether Silero runs only while the bot speaks when the recognizer ends turns (vad-gate.ts). Default true;
   * `SILERO_GATING=off` runs it on all the caller's audio, as before (for comparison).
   */
  sileroGating?: boolean;
}

export function speechConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SpeechConfig {
  return {
    deepgramApiKey: env.DEEPGRAM_API_KEY || undefined,
    deepgramUrl: env.DEEPGRAM_URL || undefined,
    deepgramModel: env.DEEPGRAM_MODEL || undefined,
    endpointingMs: env.DEEPGRAM_ENDPOINTING_MS ? Number(env.DEEPGRAM_ENDPOINTING_MS) : undefined,
    flux: env.DEEPGRAM_FLUX !== "off",
    fluxEotTimeoutMs: env.DEEPGRAM_FLUX_EOT_TIMEOUT_MS ? Number(env.DEEPGRAM_FLUX_EOT_TIMEOUT_MS) : undefined,
    deepgramTtsVoices: env.DEEPGRAM_TTS_VOICES ? (JSON.parse(env.DEEPGRAM_TTS_VOICES) as Record<string, string>) : undefined,
    cartesiaApiKey: env.CARTESIA_API_KEY || undefined,
    cartesiaUrl: env.CARTESIA_URL || undefined,
    cartesiaModel: env.CARTESIA_MODEL || undefined,
    cartesiaVoices: env.CARTESIA_VOICES ? (JSON.parse(env.CARTESIA_VOICES) as Record<string, string>) : undefined,
    openaiApiKey: env.OPENAI_API_KEY || undefined,
    openaiBaseUrl: env.OPENAI_BASE_URL || undefined,
    openaiModel: env.OPENAI_TTS_MODEL || undefined,
    openaiVoices: env.OPENAI_TTS_VOICES ? (JSON.parse(env.OPENAI_TTS_VOICES) as Record<string, string>) : undefined,
    offlinePhrases: env.OFFLINE_STT_PHRASES ? env.OFFLINE_STT_PHRASES.split("|") : undefined,
    sileroGating: env.SILERO_GATING !== "off",
  };
}

export interface SpeechProviders {
  /** A streaming STT (the session needs interim/final events). */
  stt: stt.STT;
  tts: tts.TTS;
  sttName: "deepgram" | "deepgram-flux" | "pocketsphinx";
  ttsName: "openai" | "deepgram" | "cartesia" | "espeak-ng";
  /** Who ends the caller's turn: the recognizer (Flux's turn model, nova's endpointing) or the VAD (offline). */
  turnDetection: "stt" | "vad";
  /**
   * Whether the VAD listens only while the bot speaks (vad-gate.ts): when the recognizer ends turns, the VAD is only
   * needed for barge-in. Offline, the VAD cuts the caller's turns and always listens.
   */
  gateVad: boolean;
  /** Whether the recognizer knows the call's language (Deepgram knows all of ours; pocketsphinx only English). */
  sttUnderstandsLanguage: boolean;
  /**
   * Tunes the recognizer for the caller's next utterance (a bot message's `hints.stt.keyterms` and speech contexts);
   * false when the recognizer cannot take any of it.
   */
  hintNextUtterance(hint: UtteranceHint): boolean;
  /** Flux's eager end-of-turn signals, when the service asked for them and the call uses Flux; absent otherwise. */
  eagerTurnSignals?: Set<(signal: FluxTurnSignal) => void>;
}

/** The text-to-speech providers and voices this agent offers (its keys decide). */
export function offeredVoices(config: SpeechConfig): ProviderVoices[] {
  return availableVoices({
    cartesia: Boolean(config.cartesiaApiKey),
    deepgram: Boolean(config.deepgramApiKey),
    openai: Boolean(config.openaiApiKey),
    auraVoices: config.deepgramTtsVoices,
    cartesiaVoices: config.cartesiaVoices,
  });
}

/**
 * The STT and TTS for one call in `language` (a tag from protocol/languages.ts), as its service's voice settings ask.
 * `keyterms`: the service's `speechKeyterms` (conversation settings), hints for the recognizer.
 */
export function createSpeech(
  config: SpeechConfig,
  language: string,
  vad: VAD,
  settings: VoiceSettings = voiceSettings.defaults,
  keyterms: readonly string[] = [],
): SpeechProviders {
  const sphinx = config.deepgramApiKey ? undefined : new SphinxSTT({ phrases: config.offlinePhrases, keyterms });
  const flux = Boolean(config.deepgramApiKey && config.flux && fluxSpeaks(language));
  const recognizer: SpeechProviders["stt"] = !config.deepgramApiKey
    ? // The adapter recognizes each utterance from the VAD's END_OF_SPEECH audio, which must be a copy (stable-vad.ts).
      new stt.StreamAdapter(sphinx!, stableSpeechFrames(vad))
    : flux
      ? new FluxSTT({
          apiKey: config.deepgramApiKey,
          baseUrl: config.deepgramUrl,
          language,
          eotThreshold: settings.endOfTurnThreshold,
          eotTimeoutMs: config.fluxEotTimeoutMs,
          ...(settings.eagerEndOfTurn !== "off" ? { eagerEotThreshold: settings.eagerEndOfTurn } : {}),
          keyterms,
        })
      : new DeepgramSTT({
          apiKey: config.deepgramApiKey,
          baseUrl: config.deepgramUrl,
          language: deepgramLanguage(language),
          model: config.deepgramModel ?? deepgramModel(language),
          endpointingMs: config.endpointingMs ?? 300,
          keyterms,
        });
  const choice = chooseVoice(offeredVoices(config), settings, language);
  const synthesizer = createTts(config, choice.provider, choice.voice, language, settings.speakingRate);
  return {
    stt: recognizer,
    tts: synthesizer,
    sttName: !config.deepgramApiKey ? "pocketsphinx" : flux ? "deepgram-flux" : "deepgram",
    ttsName: choice.provider === "espeak" ? "espeak-ng" : choice.provider,
    turnDetection: config.deepgramApiKey ? "stt" : "vad",
    gateVad: Boolean(config.deepgramApiKey) && config.sileroGating !== false,
    sttUnderstandsLanguage: config.deepgramApiKey ? true : sphinxUnderstands(language),
    hintNextUtterance: (hint) => (recognizer instanceof DeepgramSTT ? recognizer.hintNextUtterance(hint) : (sphinx?.hintNextUtterance(hint) ?? false)),
    ...(recognizer instanceof FluxSTT && settings.eagerEndOfTurn !== "off" ? { eagerTurnSignals: recognizer.turnSignals } : {}),
  };
}

/** One provider's TTS with `voice` (null: its voice for the language) at `rate` (1 = normal). */
export function createTts(config: SpeechConfig, provider: Provider, voice: string | null, language: string, rate: number): tts.TTS {
  switch (provider) {
    case "cartesia": {
      const tts = new CartesiaTTS({
        apiKey: config.cartesiaApiKey!,
        baseUrl: config.cartesiaUrl,
        model: config.cartesiaModel,
        voice: voice ?? Object.keys(config.cartesiaVoices ?? {})[0] ?? "f786b574-daa5-4673-aa0c-cbe3e8534c02",
        language: cartesiaLanguage(language),
        // Sonic's speed control spans 0.6–1.5.
        speed: Math.min(1.5, Math.max(0.6, rate)),
      });
      tts.prewarm();
      return tts;
    }
    case "deepgram":
      return new DeepgramAuraTTS({
        apiKey: config.deepgramApiKey!,
        baseUrl: config.deepgramUrl,
        voice: voice ?? auraVoice(language, config.deepgramTtsVoices),
        // Aura-2's speed spans 0.7–1.5.
        speed: Math.min(1.5, Math.max(0.7, rate)),
      });
    case "openai":
      return new OpenAIStreamingTTS({
        apiKey: config.openaiApiKey!,
        baseURL: config.openaiBaseUrl,
        model: config.openaiModel,
        voice: voice ?? openaiVoice(language, config.openaiVoices),
        speed: rate,
      });
    case "espeak":
      return new EspeakTTS({ voice: voice ? `${espeakVoice(language)}+${voice}` : espeakVoice(language), speed: Math.round(165 * rate) });
  }
}

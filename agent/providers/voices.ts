import type { TtsProvider, VoiceSettings } from "../../protocol/settings/voice.ts";

/**
 * The voices each speech provider offers, and which provider and voice a call gets from its service's settings. Pure:
 * the agent's keys decide which providers exist (`available`), nothing here talks to a provider.
 */

export type Provider = Exclude<TtsProvider, "auto">;

export interface Voice {
  id: string;
  label: string;
  /** Base language codes it speaks; absent: every language we offer. */
  languages?: string[];
}

export interface ProviderVoices {
  provider: Provider;
  label: string;
  voices: Voice[];
}

/** Aura-2 voices are per language (`aura-2-<name>-<lang>`); these are from Deepgram's voice list. */
const AURA_VOICES: Voice[] = [
  ...["thalia", "andromeda", "helena", "apollo", "arcas", "aries", "asteria", "luna", "orion", "zeus"].map((name) => ({
    id: `aura-2-${name}-en`,
    label: `${name[0]!.toUpperCase()}${name.slice(1)} (English)`,
    languages: ["en"],
  })),
  ...["celeste", "estrella", "nestor"].map((name) => ({ id: `aura-2-${name}-es`, label: `${name[0]!.toUpperCase()}${name.slice(1)} (Spanish)`, languages: ["es"] })),
];

/** Cartesia voices are ids; Sonic voices speak every language Cartesia supports. Two of Cartesia's published voices. */
const CARTESIA_VOICES: Voice[] = [
  { id: "f786b574-daa5-4673-aa0c-cbe3e8534c02", label: "Katie" },
  { id: "a0e99841-438c-4a64-b679-ae501e7d6091", label: "Barbershop Man" },
];
/** The languages of Cartesia's Sonic models (its `language` parameter). */
const CARTESIA_LANGUAGES = ["en", "fr", "de", "es", "pt", "zh", "ja", "hi", "it", "ko", "nl", "pl", "ru", "sv", "tr"];

const OPENAI_VOICES: Voice[] = ["alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"].map((id) => ({
  id,
  label: `${id[0]!.toUpperCase()}${id.slice(1)}`,
}));

/** espeak-ng's variants of each language's voice (`-v fr+f3`). */
const ESPEAK_VOICES: Voice[] = [
  { id: "m1", label: "Male" },
  { id: "f3", label: "Female" },
  { id: "m3", label: "Male, lower" },
];

const base = (tag: string) => tag.split("-")[0]!.toLowerCase();

/** Which providers the agent has keys for (espeak-ng, offline, always). */
export interface Keys {
  cartesia: boolean;
  deepgram: boolean;
  openai: boolean;
  /** Extra Aura-2 voices by language, e.g. {"de": "aura-2-julius-de"} (DEEPGRAM_TTS_VOICES). */
  auraVoices?: Record<string, string>;
  /** Cartesia voices beyond ours, id → label (CARTESIA_VOICES). */
  cartesiaVoices?: Record<string, string>;
}

/** What the agent offers, in the order `auto` prefers them. */
export function availableVoices(keys: Keys): ProviderVoices[] {
  const list: ProviderVoices[] = [];
  if (keys.cartesia) {
    const extra = Object.entries(keys.cartesiaVoices ?? {}).map(([id, label]) => ({ id, label }));
    list.push({ provider: "cartesia", label: "Cartesia Sonic", voices: [...extra, ...CARTESIA_VOICES].map((v) => ({ ...v, languages: CARTESIA_LANGUAGES })) });
  }
  if (keys.openai) list.push({ provider: "openai", label: "OpenAI", voices: OPENAI_VOICES });
  if (keys.deepgram) {
    const extra = Object.entries(keys.auraVoices ?? {}).map(([language, id]) => ({ id, label: `${id} (${language})`, languages: [base(language)] }));
    list.push({ provider: "deepgram", label: "Deepgram Aura-2", voices: [...AURA_VOICES, ...extra.filter((e) => !AURA_VOICES.some((v) => v.id === e.id))] });
  }
  list.push({ provider: "espeak", label: "espeak-ng (offline)", voices: ESPEAK_VOICES });
  return list;
}

export function speaks(voice: Voice, language: string): boolean {
  return !voice.languages || voice.languages.includes(base(language));
}

/** The voices of `provider` for `language` (none: the provider does not speak it). */
export function voicesFor(offered: ProviderVoices[], provider: Provider, language: string): Voice[] {
  return offered.find((p) => p.provider === provider)?.voices.filter((v) => speaks(v, language)) ?? [];
}

export interface VoiceChoice {
  provider: Provider;
  /** Null: the provider's default voice for the language (chosen by its adapter). */
  voice: string | null;
}

/**
 * The provider and voice a call gets: the service's choice when the agent has that provider and it speaks the
 * language (a voice it does not have, or not in that language, gives the provider's default voice); otherwise, as
 * with `auto`, the first provider that speaks the language.
 */
export function chooseVoice(offered: ProviderVoices[], settings: Pick<VoiceSettings, "ttsProvider" | "ttsVoice">, language: string): VoiceChoice {
  const wanted = settings.ttsProvider;
  if (wanted !== "auto") {
    const voices = voicesFor(offered, wanted, language);
    if (voices.length > 0) return { provider: wanted, voice: voices.some((v) => v.id === settings.ttsVoice) ? settings.ttsVoice : null };
  }
  const first = offered.find((p) => voicesFor(offered, p.provider, language).length > 0);
  return { provider: first?.provider ?? "espeak", voice: null };
}

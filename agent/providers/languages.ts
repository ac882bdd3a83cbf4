/** Per-language choices of each provider, keyed by the service's BCP-47 tag (protocol/languages.ts). */

const base = (tag: string) => tag.split("-")[0]!.toLowerCase();

/** Deepgram `language` parameter. Deepgram spells Norwegian "no". */
export function deepgramLanguage(tag: string): string {
  if (base(tag) === "nb") return "no";
  return tag;
}

/** nova-3 for English; nova-2 (which covers every language we offer) otherwise. */
export function deepgramModel(tag: string): string {
  return base(tag) === "en" ? "nova-3" : "nova-2";
}

/** An OpenAI voice per language (all OpenAI voices are multilingual; these are the defaults we ship). */
const OPENAI_VOICES: Record<string, string> = {
  en: "alloy",
  es: "nova",
  fr: "shimmer",
  de: "onyx",
  it: "nova",
  pt: "shimmer",
  nl: "alloy",
  sv: "alloy",
  da: "alloy",
  nb: "alloy",
  pl: "onyx",
  tr: "nova",
  ru: "onyx",
  uk: "onyx",
  hi: "shimmer",
  ja: "nova",
  ko: "nova",
  zh: "shimmer",
};

export function openaiVoice(tag: string, overrides: Record<string, string> = {}): string {
  return overrides[tag] ?? overrides[base(tag)] ?? OPENAI_VOICES[base(tag)] ?? "alloy";
}

/** espeak-ng voice names (see `espeak-ng --voices`). */
const ESPEAK_VOICES: Record<string, string> = {
  "en-US": "en-us",
  "en-GB": "en-gb",
  "en-AU": "en-gb",
  "en-IN": "en-gb",
  "es-ES": "es",
  "es-419": "es-419",
  "fr-FR": "fr-fr",
  "fr-CA": "fr-fr",
  "pt-BR": "pt-br",
  "pt-PT": "pt",
  "zh-CN": "cmn",
};

export function espeakVoice(tag: string): string {
  return ESPEAK_VOICES[tag] ?? base(tag);
}

/** Debian's pocketsphinx has one acoustic model, US English: other languages are not recognized at all. */
export function sphinxUnderstands(tag: string): boolean {
  return base(tag) === "en";
}

/** Deepgram Flux (`flux-general-en`) is English only. */
export function fluxSpeaks(tag: string): boolean {
  return base(tag) === "en";
}

/** Cartesia's `language`: the base code. */
export function cartesiaLanguage(tag: string): string {
  return base(tag);
}

/** An Aura-2 voice per language (Deepgram names them as models); overrides add languages. */
const AURA_VOICES: Record<string, string> = { en: "aura-2-thalia-en", es: "aura-2-celeste-es" };

export function auraVoice(tag: string, overrides: Record<string, string> = {}): string {
  return overrides[tag] ?? overrides[base(tag)] ?? AURA_VOICES[base(tag)] ?? "aura-2-thalia-en";
}

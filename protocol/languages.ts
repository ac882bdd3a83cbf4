/**
 * The languages a service can speak: each one must be supported by both the speech-to-text and the
 * text-to-speech providers. `tag` is the canonical BCP-47 tag stored on a service.
 */
export const LANGUAGES = [
  { tag: "en-US", name: "English (United States)" },
  { tag: "en-GB", name: "English (United Kingdom)" },
  { tag: "en-AU", name: "English (Australia)" },
  { tag: "en-IN", name: "English (India)" },
  { tag: "es-ES", name: "Spanish (Spain)" },
  { tag: "es-419", name: "Spanish (Latin America)" },
  { tag: "fr-FR", name: "French (France)" },
  { tag: "fr-CA", name: "French (Canada)" },
  { tag: "de-DE", name: "German" },
  { tag: "it-IT", name: "Italian" },
  { tag: "pt-BR", name: "Portuguese (Brazil)" },
  { tag: "pt-PT", name: "Portuguese (Portugal)" },
  { tag: "nl-NL", name: "Dutch" },
  { tag: "sv-SE", name: "Swedish" },
  { tag: "da-DK", name: "Danish" },
  { tag: "nb-NO", name: "Norwegian" },
  { tag: "pl-PL", name: "Polish" },
  { tag: "tr-TR", name: "Turkish" },
  { tag: "ru-RU", name: "Russian" },
  { tag: "uk-UA", name: "Ukrainian" },
  { tag: "hi-IN", name: "Hindi" },
  { tag: "ja-JP", name: "Japanese" },
  { tag: "ko-KR", name: "Korean" },
  { tag: "zh-CN", name: "Chinese (Mandarin, Simplified)" },
] as const;

export type LanguageTag = (typeof LANGUAGES)[number]["tag"];

const byLowerTag = new Map<string, LanguageTag>(LANGUAGES.map((l) => [l.tag.toLowerCase(), l.tag]));

/** The supported tag that `input` names (case-insensitive, `_` accepted for `-`), or undefined. */
export function supportedLanguage(input: string): LanguageTag | undefined {
  return byLowerTag.get(input.trim().replace(/_/g, "-").toLowerCase());
}

/**
 * Speech contexts (docs/api.md, "Speech contexts"): the real PhoneMyBot's `<context name="…"/>` markup, by which a
 * bot says what the caller's next utterance is about (an account number, a date, yes or no…) so that the recognizer
 * is tuned for it. Each context gives Deepgram key terms (per language), whether Deepgram should write numbers as
 * numerals, and a phrase grammar for the offline recognizer (JSGF, English: pocketsphinx's only model). Pure data and
 * functions: the agent applies them (agent/call.ts), the portal lists them.
 */

export const SPEECH_CONTEXTS = ["digits", "number", "yes_no", "date", "time", "phone_number", "email", "spelling", "currency"] as const;
export type SpeechContextName = (typeof SPEECH_CONTEXTS)[number];

/** Other spellings a bot may use for the same context (after lower-casing, `-` and spaces read as `_`). */
const ALIASES: Record<string, SpeechContextName> = {
  digit: "digits",
  account_number: "digits",
  pin: "digits",
  numbers: "number",
  yesno: "yes_no",
  yes_or_no: "yes_no",
  phone: "phone_number",
  telephone: "phone_number",
  email_address: "email",
  alphanumeric: "spelling",
  letters: "spelling",
  license_plate: "spelling",
  amount: "currency",
  money: "currency",
};

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const NATO = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "x-ray", "yankee", "zulu"];

/** Deepgram key terms per context, by the language's primary subtag; a language not listed gets none (numerals still apply). */
type Keyterms = Partial<Record<string, readonly string[]>>;

export interface SpeechContext {
  name: SpeechContextName;
  /** What the caller is expected to say (docs, portal). */
  description: string;
  /** Deepgram `Configure` `features.numerals` for the utterance ("four two" → "42"); `smart_format` is always on. */
  numerals: boolean;
  keyterms: Keyterms;
  /** The offline recognizer's rule for it (a rule of JSGF_RULES). */
  grammarRule: string;
}

const context = (name: SpeechContextName, description: string, numerals: boolean, keyterms: Keyterms, grammarRule: string = name): SpeechContext => ({
  name,
  description,
  numerals,
  keyterms,
  grammarRule,
});

export const SPEECH_CONTEXT_CATALOGUE: Record<SpeechContextName, SpeechContext> = {
  digits: context("digits", "a sequence of digits (account number, PIN, code)", true, {
    en: ["zero", "oh", "double", "triple"],
    es: ["cero", "doble"],
    fr: ["zéro", "double"],
    de: ["null", "doppel"],
    it: ["zero", "doppio"],
    pt: ["zero", "meia", "duplo"],
  }),
  number: context("number", "a quantity or a number said as a whole (\"two hundred and five\")", true, {
    en: ["hundred", "thousand", "million", "point"],
    es: ["cien", "mil", "millón", "coma"],
    fr: ["cent", "mille", "million", "virgule"],
    de: ["hundert", "tausend", "Million", "Komma"],
    it: ["cento", "mille", "milione", "virgola"],
    pt: ["cem", "mil", "milhão", "vírgula"],
  }),
  yes_no: context("yes_no", "yes or no", false, {
    en: ["yes", "no", "yeah", "nope", "correct"],
    es: ["sí", "no", "claro", "correcto"],
    fr: ["oui", "non", "ouais", "exact"],
    de: ["ja", "nein", "genau", "richtig"],
    it: ["sì", "no", "certo", "esatto"],
    pt: ["sim", "não", "claro", "certo"],
  }),
  date: context("date", "a date (\"March the third\", \"next Monday\")", true, {
    en: [...MONTHS, "today", "tomorrow"],
    es: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "hoy", "mañana"],
    fr: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", "aujourd'hui", "demain"],
    de: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember", "heute", "morgen"],
    it: ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre", "oggi", "domani"],
    pt: ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro", "hoje", "amanhã"],
  }),
  time: context("time", "a time of day (\"half past two\", \"ten a.m.\")", true, {
    en: ["a.m.", "p.m.", "o'clock", "noon", "midnight", "half past", "quarter past", "quarter to"],
    es: ["en punto", "y media", "y cuarto", "menos cuarto", "mediodía", "medianoche"],
    fr: ["heures", "et demie", "et quart", "moins le quart", "midi", "minuit"],
    de: ["Uhr", "halb", "Viertel nach", "Viertel vor", "Mittag", "Mitternacht"],
    it: ["in punto", "e mezza", "e un quarto", "meno un quarto", "mezzogiorno", "mezzanotte"],
    pt: ["em ponto", "e meia", "e quinze", "meio-dia", "meia-noite"],
  }),
  phone_number: context("phone_number", "a telephone number, digit by digit", true, {
    en: ["plus", "double", "triple", "extension"],
    es: ["más", "doble", "extensión"],
    fr: ["plus", "double", "poste"],
    de: ["plus", "doppel", "Durchwahl"],
    it: ["più", "doppio", "interno"],
    pt: ["mais", "duplo", "ramal"],
  }),
  email: context("email", "an email address, spelled (\"j smith at gmail dot com\")", false, {
    en: ["at", "dot", "underscore", "dash", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com"],
    es: ["arroba", "punto", "guion bajo", "guion", "gmail.com", "hotmail.com"],
    fr: ["arobase", "point", "tiret bas", "tiret", "gmail.com", "orange.fr"],
    de: ["at", "Punkt", "Unterstrich", "Bindestrich", "gmail.com", "web.de"],
    it: ["chiocciola", "punto", "trattino basso", "trattino", "gmail.com", "libero.it"],
    pt: ["arroba", "ponto", "underline", "hífen", "gmail.com", "hotmail.com"],
  }),
  spelling: context("spelling", "letters and digits spelled one by one (a licence plate, a booking reference)", true, {
    en: NATO,
    es: NATO,
    fr: NATO,
    de: NATO,
    it: NATO,
    pt: NATO,
  }),
  currency: context("currency", "an amount of money (\"twelve dollars fifty\")", true, {
    en: ["dollars", "cents", "euros", "pounds", "pence"],
    es: ["euros", "céntimos", "dólares", "pesos", "centavos"],
    fr: ["euros", "centimes", "dollars"],
    de: ["Euro", "Cent", "Franken"],
    it: ["euro", "centesimi"],
    pt: ["reais", "centavos", "euros", "cêntimos"],
  }),
};

/** The catalogue's context that `name` names (any case; `-` and spaces read as `_`; aliases), or undefined. */
export function speechContextNamed(name: string): SpeechContext | undefined {
  const key = name.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const canonical = (SPEECH_CONTEXTS as readonly string[]).includes(key) ? (key as SpeechContextName) : ALIASES[key];
  return canonical ? SPEECH_CONTEXT_CATALOGUE[canonical] : undefined;
}

/** The Deepgram key terms of a context in `language` (a BCP-47 tag): those of its primary subtag, or none. */
export function contextKeyterms(context: SpeechContext, language: string): readonly string[] {
  return context.keyterms[language.split("-")[0]!.toLowerCase()] ?? [];
}

/** What the recognizer is told for the caller's next utterance (a bot message's contexts and `hints.stt.keyterms`). */
export interface UtteranceHint {
  /** The message's own key terms (`hints.stt.keyterms`): for every recognizer. */
  keyterms: string[];
  /** The contexts' Deepgram key terms (the offline recognizer has their rules instead). */
  contextKeyterms: string[];
  /** Deepgram should write numbers as numerals. */
  numerals: boolean;
  /** The offline recognizer's rules for the contexts (JSGF_RULES names); empty: its usual grammar only. */
  grammarRules: string[];
}

/**
 * The hint for the caller's next utterance from a message's `<context>` names and key terms; `unknown`: the names
 * the catalogue does not know (ignored for recognition, never an error to the bot).
 */
export function utteranceHint(contextNames: readonly string[], keyterms: readonly string[], language: string): { hint: UtteranceHint; unknown: string[] } {
  const known = [...new Set(contextNames.map(speechContextNamed).filter((c): c is SpeechContext => c !== undefined))];
  const unknown = unknownSpeechContexts(contextNames);
  return {
    hint: {
      keyterms: [...keyterms],
      contextKeyterms: [...new Set(known.flatMap((c) => contextKeyterms(c, language)))],
      numerals: known.some((c) => c.numerals),
      grammarRules: known.map((c) => c.grammarRule),
    },
    unknown,
  };
}

/** The names in `contextNames` the catalogue does not know, each once (shown on the call record's message). */
export function unknownSpeechContexts(contextNames: readonly string[]): string[] {
  return [...new Set(contextNames.filter((name) => !speechContextNamed(name)))];
}

/** Whether a hint asks anything of the recognizer. */
export const hintIsEmpty = (hint: UtteranceHint) => hint.keyterms.length === 0 && hint.contextKeyterms.length === 0 && !hint.numerals && hint.grammarRules.length === 0;

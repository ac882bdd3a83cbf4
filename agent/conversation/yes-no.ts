/**
 * Alternatives to yes and no (conversation setting `yesNoAlternatives`): a caller's whole utterance that is one of
 * the language's ways of saying yes or no (or one of the service's own words) reaches the bot as the language's
 * plain word. Only whole utterances: "sure I can" is a sentence, not a yes.
 */
interface YesNoWords {
  yes: string;
  no: string;
  yesWords: string[];
  noWords: string[];
}

const WORDS: Record<string, YesNoWords> = {
  en: {
    yes: "yes",
    no: "no",
    yesWords: ["yeah", "yep", "yup", "ya", "sure", "correct", "right", "that's right", "that is right", "affirmative", "of course", "absolutely", "certainly", "ok", "okay", "yes please", "uh huh", "uh-huh"],
    noWords: ["nope", "nah", "no thanks", "no thank you", "not really", "negative", "incorrect", "wrong", "that's wrong", "not at all"],
  },
  es: { yes: "sí", no: "no", yesWords: ["si", "claro", "vale", "correcto", "por supuesto", "de acuerdo", "exacto", "sí claro"], noWords: ["para nada", "incorrecto", "no gracias", "nunca"] },
  fr: { yes: "oui", no: "non", yesWords: ["ouais", "d'accord", "bien sûr", "exactement", "c'est ça", "correct", "tout à fait", "absolument", "oui oui"], noWords: ["non merci", "pas du tout", "incorrect", "nan"] },
  de: { yes: "ja", no: "nein", yesWords: ["jawohl", "genau", "richtig", "klar", "sicher", "natürlich", "stimmt", "ja bitte", "jo"], noWords: ["nee", "nö", "falsch", "nein danke", "auf keinen fall"] },
  it: { yes: "sì", no: "no", yesWords: ["si", "certo", "esatto", "va bene", "giusto", "certamente", "sì grazie"], noWords: ["no grazie", "per niente", "sbagliato"] },
  pt: { yes: "sim", no: "não", yesWords: ["claro", "certo", "exato", "correto", "com certeza", "pode ser", "isso"], noWords: ["nao", "não obrigado", "de jeito nenhum", "errado"] },
  nl: { yes: "ja", no: "nee", yesWords: ["jazeker", "zeker", "klopt", "prima", "goed", "natuurlijk", "juist"], noWords: ["neen", "nee dank je", "helemaal niet", "fout"] },
  sv: { yes: "ja", no: "nej", yesWords: ["japp", "visst", "absolut", "precis", "stämmer", "okej"], noWords: ["nix", "nej tack", "inte alls"] },
  da: { yes: "ja", no: "nej", yesWords: ["jep", "selvfølgelig", "præcis", "korrekt", "okay"], noWords: ["nej tak", "slet ikke"] },
  nb: { yes: "ja", no: "nei", yesWords: ["jepp", "selvfølgelig", "akkurat", "riktig", "greit"], noWords: ["nei takk", "ikke i det hele tatt"] },
  no: { yes: "ja", no: "nei", yesWords: ["jepp", "selvfølgelig", "akkurat", "riktig", "greit"], noWords: ["nei takk", "ikke i det hele tatt"] },
  pl: { yes: "tak", no: "nie", yesWords: ["no tak", "jasne", "oczywiście", "dokładnie", "zgadza się", "dobrze"], noWords: ["nie dziękuję", "wcale", "absolutnie nie"] },
  tr: { yes: "evet", no: "hayır", yesWords: ["tabii", "tabi", "elbette", "doğru", "tamam", "aynen"], noWords: ["yok", "hayir", "değil", "yanlış"] },
  ru: { yes: "да", no: "нет", yesWords: ["ага", "конечно", "верно", "точно", "правильно", "хорошо", "да да"], noWords: ["не", "неа", "нет спасибо", "неверно"] },
  uk: { yes: "так", no: "ні", yesWords: ["ага", "звичайно", "звісно", "вірно", "точно", "добре"], noWords: ["ні дякую", "невірно"] },
  hi: { yes: "हाँ", no: "नहीं", yesWords: ["हां", "जी", "जी हाँ", "ठीक है", "बिल्कुल", "सही"], noWords: ["ना", "जी नहीं", "गलत"] },
  ja: { yes: "はい", no: "いいえ", yesWords: ["うん", "ええ", "そうです", "その通り", "大丈夫です"], noWords: ["いや", "違います", "いえ", "ううん"] },
  ko: { yes: "네", no: "아니요", yesWords: ["예", "응", "그래요", "맞아요", "좋아요"], noWords: ["아니", "아뇨", "아니에요", "틀려요"] },
  zh: { yes: "是", no: "不是", yesWords: ["是的", "对", "对的", "好", "好的", "没错", "嗯"], noWords: ["不", "不对", "没有", "不要"] },
};

/** Lower case, punctuation and extra spaces gone: how utterances and word lists are compared. */
export function normalizeUtterance(text: string): string {
  return text
    .toLowerCase()
    .replace(/[.,!?¡¿…。、！？"“”]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export function yesNoWordsFor(language: string): YesNoWords {
  return WORDS[language.split("-")[0]!.toLowerCase()] ?? WORDS.en!;
}

/**
 * The caller's words as the bot should see them: the language's "yes" or "no" when the whole utterance is one of
 * their alternatives (the language's list plus `extra`), otherwise unchanged.
 */
export function normalizeYesNo(text: string, language: string, extra: { yes: readonly string[]; no: readonly string[] }): string {
  const words = yesNoWordsFor(language);
  const said = normalizeUtterance(text);
  const yes = new Set([words.yes, ...words.yesWords, ...extra.yes].map(normalizeUtterance));
  const no = new Set([words.no, ...words.noWords, ...extra.no].map(normalizeUtterance));
  if (yes.has(said)) return words.yes;
  if (no.has(said)) return words.no;
  return text;
}

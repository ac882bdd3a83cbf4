/**
 * The offline recognizer's grammars for the speech contexts (protocol/speech-contexts.ts): JSGF rules in US English,
 * the only language of Debian's pocketsphinx model. Every word is in its pronunciation dictionary (a test checks).
 * Rules, not phrase lists: `<digits>` is any sequence of digits, `<number>` any number below a million.
 */

const alternatives = (...words: string[]) => words.join(" | ");

export const JSGF_RULES: Record<string, string> = {
  // No "oh": on espeak-ng's digits pocketsphinx inserts it between them (heard while writing this rule).
  digit: alternatives("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
  digits: "<digit>+",
  units: alternatives("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
  teens: alternatives("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
  tens: alternatives("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"),
  below_hundred: "<units> | <teens> | <tens> [<units>]",
  below_thousand: "<below_hundred> | [a | <units>] hundred [[and] <below_hundred>]",
  number: "zero | <below_thousand> [thousand [[and] <below_thousand>]] [point <digit>+]",
  yes_no: alternatives("yes", "no", "yeah", "yep", "nope", "sure", "correct", "right", "wrong", "of course", "not really", "no thanks", "yes please", "(that is | that's) (right | correct | wrong)"),
  month: alternatives("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"),
  weekday: alternatives("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
  ordinal_unit: alternatives("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"),
  ordinal: "<ordinal_unit> | tenth | eleventh | twelfth | thirteenth | fourteenth | fifteenth | sixteenth | seventeenth | eighteenth | nineteenth | twentieth | twenty <ordinal_unit> | thirtieth | thirty first",
  year: "(nineteen | twenty) <below_hundred> | two thousand [and] [<below_hundred>]",
  date: "today | tomorrow | yesterday | [next | this | last] <weekday> | [<weekday>] [the] <ordinal> [of <month>] [<year>] | <month> [the] <ordinal> [<year>]",
  hour: "<units> | ten | eleven | twelve",
  minute: "oh <units> | <teens> | <tens> [<units>]",
  day_part: "a m | p m | in the morning | in the afternoon | in the evening | at night",
  time: "<hour> [o'clock | <minute>] [<day_part>] | noon | midnight | (half | quarter | <minute>) (past | to) <hour> [<day_part>]",
  phone_number: "[plus] ([double | triple] <digit>)+",
  letter: alternatives(..."abcdefghijklmnopqrstuvwxyz".split("")),
  nato: alternatives("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "x-ray", "yankee", "zulu"),
  spelling: "(<letter> | <nato> | <digit>)+",
  email_part: "(<letter> | <digit> | dot | underscore | dash | gmail | yahoo | hotmail | outlook)+",
  email: "<email_part> at <email_part> dot (com | net | org | edu)",
  currency_unit: alternatives("dollars", "dollar", "euros", "euro", "pounds", "pound"),
  currency: "<number> <currency_unit> [[and] <below_hundred> [cents | pence]] | <below_hundred> (cents | pence)",
};

/** The rules `roots` need (themselves and every rule they refer to), as JSGF rule definitions. */
export function jsgfRuleDefinitions(roots: readonly string[]): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const body = JSGF_RULES[name];
    if (body === undefined) throw new Error(`no JSGF rule <${name}>`);
    needed.add(name);
    for (const [, ref] of body.matchAll(/<(\w+)>/g)) visit(ref!);
  };
  roots.forEach(visit);
  return [...needed].map((name) => `<${name}> = ${JSGF_RULES[name]} ;`);
}

/** The words the rules use (to check them against the pronunciation dictionary). */
export function jsgfWords(): Set<string> {
  const words = new Set<string>();
  for (const body of Object.values(JSGF_RULES)) for (const word of body.replace(/<\w+>/g, " ").split(/[\s|()[\]+*]+/)) if (word) words.add(word);
  return words;
}

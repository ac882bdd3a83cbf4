import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from "libphonenumber-js/max";

/** The same metadata ("max") the gateway validates with (protocol/phone-numbers.ts), so the two always agree. */

export interface Country {
  code: CountryCode;
  name: string;
  callingCode: string;
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

export function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

let cached: Country[] | undefined;
export function countries(): Country[] {
  cached ??= getCountries()
    .map((code) => ({ code, name: countryName(code), callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, "en"));
  return cached;
}

export function isCountryCode(code: string): code is CountryCode {
  return countries().some((c) => c.code === code);
}

/** A guess at the visitor's country from the browser's language (en-GB → GB), for the picker's default. */
export function defaultCountry(languages: readonly string[] = navigator.languages ?? []): CountryCode {
  for (const tag of languages) {
    const region = tag.split("-")[1]?.toUpperCase();
    if (region && isCountryCode(region)) return region;
  }
  return "US";
}

export type NumberCheck =
  | { ok: true; e164: string; international: string }
  | { ok: false; message: string };

/** Validates a national number (or one typed with its + country code) for a country. */
export function checkNumber(country: CountryCode, input: string): NumberCheck {
  const text = input.trim();
  if (text === "") return { ok: false, message: "Enter the phone number." };
  if (/[^0-9+()\-.\s/]/.test(text)) return { ok: false, message: "Use digits only (spaces, dashes and brackets are fine)." };
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed?.isValid()) return { ok: true, e164: parsed.number, international: parsed.formatInternational() };
  const length = validatePhoneNumberLength(text, country);
  const where = countryName(parsed?.country ?? country);
  if (length === "TOO_SHORT") return { ok: false, message: `Too short for a ${where} number.` };
  if (length === "TOO_LONG") return { ok: false, message: `Too long for a ${where} number.` };
  return { ok: false, message: `This is not a valid ${where} phone number.` };
}

/** "+14155552671" → "+1 415 555 2671"; anything unparsable is shown as it is. */
export function formatInternational(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

export function countryOfNumber(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

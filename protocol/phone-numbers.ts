import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** The E.164 form of a valid phone number, or undefined. Input must be international (+ and country code). */
export function toE164(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The ISO country (e.g. "FR") of an E.164 number, when libphonenumber knows it. */
export function countryOf(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** The E.164 form of a valid phone number, or undefined. Input must be international (+ and country code). */
export function toE164(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  return parsed?.isValid() ? parsed.number : undefined;
}

import { describe, expect, it } from "vitest";
import type { Usage } from "../../protocol/management.ts";
import { toE164 } from "../../protocol/phone-numbers.ts";
import { describeError } from "../../web/src/api.ts";
import { checkNumber, countries, defaultCountry, formatInternational } from "../../web/src/lib/phone.ts";
import { dayRange, fillDays, formatDuration, lastDays, usageCsv } from "../../web/src/lib/usage.ts";

describe("portal phone numbers", () => {
  it("accepts national numbers per country and gives the E.164 form the gateway accepts", () => {
    const cases = [
      ["GB", "020 7183 8750", "+442071838750", "+44 20 7183 8750"],
      ["US", "(415) 555-2671", "+14155552671", "+1 415 555 2671"],
      ["FR", "01 42 68 53 00", "+33142685300", "+33 1 42 68 53 00"],
      ["DE", "030 901820", "+4930901820", "+49 30 901820"],
    ] as const;
    for (const [country, national, e164, international] of cases) {
      expect(checkNumber(country, national)).toEqual({ ok: true, e164, international });
      // The server's validation (protocol/phone-numbers.ts) agrees.
      expect(toE164(e164)).toBe(e164);
      expect(formatInternational(e164)).toBe(international);
    }
  });

  it("explains what is wrong in words", () => {
    expect(checkNumber("GB", "")).toEqual({ ok: false, message: "Enter the phone number." });
    expect(checkNumber("GB", "12")).toEqual({ ok: false, message: "Too short for a United Kingdom number." });
    expect(checkNumber("US", "415555267199999")).toEqual({ ok: false, message: "Too long for a United States number." });
    expect(checkNumber("US", "call me")).toMatchObject({ ok: false, message: expect.stringContaining("digits") });
    expect(checkNumber("US", "(555) 555-0100")).toEqual({ ok: false, message: "This is not a valid United States phone number." });
  });

  it("lists every country with its calling code, by name, and guesses a default from the browser languages", () => {
    const list = countries();
    expect(list.length).toBeGreaterThan(200);
    expect(list.find((c) => c.code === "GB")).toEqual({ code: "GB", name: "United Kingdom", callingCode: "44" });
    const names = list.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
    expect(defaultCountry(["fr-CA", "fr"])).toBe("CA");
    expect(defaultCountry(["en", "xx-QQ"])).toBe("US");
  });
});

describe("portal usage figures", () => {
  const usage: Usage = {
    from: "2026-02-27",
    to: "2026-03-02",
    calls: 3,
    seconds: 200,
    minutes: 5,
    sttSeconds: 0,
    ttsCharacters: 0,
    peakConcurrentCalls: 2,
    days: [
      { day: "2026-02-28", calls: 1, seconds: 20, minutes: 1, sttSeconds: 0, ttsCharacters: 0, peakConcurrentCalls: 1 },
      { day: "2026-03-02", calls: 2, seconds: 180, minutes: 4, sttSeconds: 0, ttsCharacters: 0, peakConcurrentCalls: 2 },
    ],
    cost: { currency: "EUR", total: 0.11, lines: [] },
  };

  it("fills the days the API leaves out with zeros, across a month end", () => {
    expect(dayRange("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(fillDays(usage).map((d) => [d.day, d.calls])).toEqual([
      ["2026-02-27", 0],
      ["2026-02-28", 1],
      ["2026-03-01", 0],
      ["2026-03-02", 2],
    ]);
    expect(lastDays(30, new Date("2026-03-02T23:00:00Z"))).toEqual({ from: "2026-02-01", to: "2026-03-02" });
  });

  it("writes the CSV: a header, one row per day, and the period's totals", () => {
    expect(usageCsv(usage).split("\r\n")).toEqual([
      "day,calls,billed_minutes,seconds,peak_simultaneous_calls,speech_recognition_seconds,speech_synthesis_characters",
      "2026-02-27,0,0,0,0,0,0",
      "2026-02-28,1,1,20,1,0,0",
      "2026-03-01,0,0,0,0,0,0",
      "2026-03-02,2,4,180,2,0,0",
      "total,3,5,200,2,0,0",
      "",
    ]);
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(3725)).toBe("1 h 02 min");
  });
});

describe("portal error messages", () => {
  it("turns API error bodies into sentences", () => {
    expect(describeError(400, { error: "invalid input", details: [{ field: "botUrl", message: "not a URL" }] })).toBe(
      "Please check: Bot URL: not a URL.",
    );
    expect(describeError(400, { error: "invalid input", details: [{ field: "numbers.1", message: "not a valid phone number" }] })).toBe(
      "Please check: Phone numbers (#2): not a valid phone number.",
    );
    expect(
      describeError(409, { error: "phone number already used by another service", details: [{ field: "numbers", number: "+442071838750" }] }),
    ).toBe("+442071838750 is already used by another service.");
    expect(describeError(429, { error: "too many failed log-in attempts; try again in 4 seconds" })).toBe(
      "Too many failed log-in attempts; try again in 4 seconds.",
    );
    expect(describeError(502, undefined)).toBe("Something went wrong on our side. Please try again in a moment.");
  });
});

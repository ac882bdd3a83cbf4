/** Generators shared by the fuzz tests: odd strings, any JSON, and bodies close to the real ones. */
import fc from "fast-check";

export const weird = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", " ", "../..", "%00", "%2F", "null", "undefined", "\u0000", "💥", "x".repeat(5000), "-1", "0", "1e309"),
);
export const jsonValue = fc.oneof(
  fc.json({ maxDepth: 3 }).map((s) => JSON.parse(s) as unknown),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  weird,
);
/** Bodies near the real ones: known field names with values of any type (bot URLs never resolve, by design). */
export const nearlyValidBody = fc.record(
  {
    from: jsonValue,
    to: jsonValue,
    body: jsonValue,
    conversation: jsonValue,
    opaque: jsonValue,
    new: fc.oneof(jsonValue, fc.constantFrom("true", "false", true, false)),
    last: fc.oneof(jsonValue, fc.constantFrom("true", "false", true, false)),
    email: fc.oneof(jsonValue, fc.emailAddress()),
    password: jsonValue,
    name: jsonValue,
    language: fc.oneof(jsonValue, fc.constantFrom("en-US", "fr-fr", "xx")),
    numbers: fc.oneof(jsonValue, fc.array(fc.oneof(weird, fc.constantFrom("+14155552671", "+442071838750")), { maxLength: 25 })),
    botUrl: fc.oneof(weird, fc.constantFrom("https://bot.example.invalid/{conversation}", "ftp://x.invalid", "http://user:pw@x.invalid")),
    botToken: jsonValue,
    text: jsonValue,
    pin: fc.oneof(jsonValue, fc.stringMatching(/^[0-9]{4}$/)),
    limit: jsonValue,
  },
  { requiredKeys: [] },
);


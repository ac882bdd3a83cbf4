import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BREAK_MS, parseMarkup, rfc4733Code } from "../../protocol/markup.ts";

describe("call-control markup", () => {
  it("hangs up on <hangup/> and the PhoneMyBot spelling <hungup/>, in any form and case, speaking the rest", () => {
    for (const body of [
      "Goodbye!<hangup/>",
      "Goodbye!<hungup/>",
      "Goodbye! <HANGUP />",
      "Goodbye!<hangup>",
      "Goodbye!<hangup></hangup>",
      "<HungUp/>Goodbye!",
      "Goodbye!&lt;hangup/&gt;",
      "Goodbye!&lt;hungup&gt;&lt;/hungup&gt;",
    ]) {
      expect(parseMarkup(body), body).toEqual({ spokenText: "Goodbye!", actions: [{ type: "say", text: "Goodbye!" }, { type: "hangup" }], hangup: true });
    }
    expect(parseMarkup("Bye <hangup/> <hungup/>").actions).toEqual([{ type: "say", text: "Bye" }, { type: "hangup" }]);
    expect(parseMarkup("<hangup/>")).toEqual({ spokenText: "", actions: [{ type: "hangup" }], hangup: true });
    expect(parseMarkup("Hello there.")).toEqual({ spokenText: "Hello there.", actions: [{ type: "say", text: "Hello there." }], hangup: false });
  });

  it("pauses at <break time>, in ms or s, any quotes, clamped to 5 s; an unreadable time is no pause", () => {
    expect(parseMarkup(`One.<break time="500ms"/>Two.`).actions).toEqual([{ type: "say", text: "One." }, { type: "break", ms: 500 }, { type: "say", text: "Two." }]);
    expect(parseMarkup(`One. <break time='1.5s'/> Two.`).actions[1]).toEqual({ type: "break", ms: 1500 });
    expect(parseMarkup(`One. <BREAK TIME="2S"></break> Two.`).actions[1]).toEqual({ type: "break", ms: 2000 });
    expect(parseMarkup(`One. <break time=2s> Two.`).actions[1]).toEqual({ type: "break", ms: 2000 });
    expect(parseMarkup(`One. &lt;break time=&quot;300ms&quot;/&gt; Two.`).actions[1]).toEqual({ type: "break", ms: 300 });
    expect(parseMarkup(`One. <break time="60s"/> Two.`).actions[1]).toEqual({ type: "break", ms: MAX_BREAK_MS });
    for (const time of ["soon", "", "5", "-1s", "1 min"]) {
      const parsed = parseMarkup(`One.<break time="${time}"/>Two.`);
      expect(parsed, time).toEqual({ spokenText: "One. Two.", actions: [{ type: "say", text: "One. Two." }], hangup: false });
    }
    expect(parseMarkup("One.<break/>Two.").spokenText).toBe("One. Two.");
  });

  it("sends keys at <dtmf digits>, after the text before it, dropping what is not a key", () => {
    expect(parseMarkup(`Dialing.<dtmf digits="1w2#"/>Done.`).actions).toEqual([
      { type: "say", text: "Dialing." },
      { type: "dtmf", digits: "1w2#" },
      { type: "say", text: "Done." },
    ]);
    expect(parseMarkup(`<dtmf Digits='12ab*W9 x'/>`)).toEqual({ spokenText: "", actions: [{ type: "dtmf", digits: "12*w9" }], hangup: false });
    expect(parseMarkup(`Hi <dtmf digits="abc"/> there`).actions).toEqual([{ type: "say", text: "Hi there" }]);
    expect([..."0123456789*#"].map(rfc4733Code)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("parses <transfer referto timeoutms> (comma or space separated) without speaking it", () => {
    expect(parseMarkup(`Transferring you.<transfer referto="+14155550100", timeoutms="20000"/>`)).toEqual({
      spokenText: "Transferring you.",
      actions: [{ type: "say", text: "Transferring you." }, { type: "transfer", referTo: "+14155550100", timeoutMs: 20000 }],
      hangup: false,
    });
    expect(parseMarkup(`<Transfer ReferTo='sip:desk@example.com'></Transfer>`).actions).toEqual([{ type: "transfer", referTo: "sip:desk@example.com" }]);
    expect(parseMarkup(`&lt;transfer referto=&quot;tel:+442071838750&quot;/&gt;`).actions).toEqual([{ type: "transfer", referTo: "tel:+442071838750" }]);
    expect(parseMarkup(`Hi <transfer referto="nowhere"/>`)).toEqual({ spokenText: "Hi", actions: [{ type: "say", text: "Hi" }], hangup: false });
  });

  it("removes any other tag and comment, keeping the text between opening and closing tags", () => {
    expect(parseMarkup(`<speak><prosody rate="slow">Hello</prosody>, <emphasis level='strong'>dear</emphasis> <say-as interpret-as="characters">ABC</say-as>.</speak>`).spokenText)
      .toBe("Hello, dear ABC.");
    expect(parseMarkup(`<context name="x"/>Table for two?<!-- a note --> &lt;b&gt;Yes&lt;/b&gt;`).spokenText).toBe("Table for two? Yes");
  });

  it("keeps a lone < or > that is not a tag", () => {
    for (const text of ["5 < 7 and 9 > 8", "a<3", "x -> y", "<", "< hangup/>", "&lt; 5", "I <3 you >"]) {
      expect(parseMarkup(text).spokenText, text).toBe(text);
    }
  });
});

// ---- property: whatever tags a body holds, none of their text is spoken -----------------------------------------

const MARK = "§"; // in every attribute value, never in ordinary text: any of it in the speech would show
const ACTION_NAMES = ["hangup", "hungup", "break", "dtmf", "transfer"];
const tagName = fc.oneof(
  fc.constantFrom(...ACTION_NAMES, "speak", "prosody", "emphasis", "say-as", "context", "p", "s", "audio"),
  fc.stringMatching(/^[A-Za-z][\w:.-]{0,8}$/),
).chain((name) => fc.constantFrom(name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1)));
const attributeName = fc.oneof(fc.constantFrom("time", "digits", "referto", "timeoutms", "name", "rate"), fc.stringMatching(/^[A-Za-z][\w-]{0,6}$/));
const valueText = (forbidden: RegExp) => fc.string({ maxLength: 12 }).map((v) => MARK + v.replace(forbidden, ""));
const attribute = (escaped: boolean) =>
  fc
    .tuple(
      attributeName,
      fc.constantFrom("=", " = "),
      escaped
        ? fc.oneof(valueText(/&/g).map((v) => `&quot;${v}&quot;`), valueText(/['&]/g).map((v) => `'${v}'`))
        : fc.oneof(valueText(/"/g).map((v) => `"${v}"`), valueText(/'/g).map((v) => `'${v}'`), fc.stringMatching(/^[a-z0-9.]{1,6}$/).map((v) => MARK + v)),
    )
    .map(([name, eq, value]) => `${name}${eq}${value}`);
const tag = fc
  .record({
    escaped: fc.boolean(),
    closing: fc.boolean(),
    selfClosing: fc.boolean(),
    name: tagName,
    separators: fc.array(fc.constantFrom(" ", ", ", ",", "\n", "  "), { minLength: 4, maxLength: 4 }),
  })
  .chain((t) => fc.array(attribute(t.escaped), { maxLength: 3 }).map((attributes) => ({ ...t, attributes })))
  .map(({ escaped, closing, selfClosing, name, separators, attributes }) => {
    const [open, close] = escaped ? ["&lt;", "&gt;"] : ["<", ">"];
    const attrs = attributes.map((a, i) => `${separators[i]}${a}`).join("");
    const raw = closing ? `${open}/${name}${close}` : `${open}${name}${attrs}${selfClosing ? "/" : ""}${close}`;
    return { kind: "tag" as const, raw, name: name.toLowerCase() };
  });
/** Ordinary text: anything without `<`, `&` or the mark, and lone `<`, `>` and `&` that are no tag. */
const text = fc
  .oneof(
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[<&§]/g, "")),
    fc.constantFrom(" 5 < 7 ", " a > b ", " & ", " x<3 ", " < ", " -> ", " &amp; ", "\n\t"),
  )
  .map((raw) => ({ kind: "text" as const, raw }));

describe("call-control markup: property", () => {
  it("never speaks tag or attribute text, and speaks exactly the body without its tags", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, tag), { maxLength: 12 }), (pieces) => {
        const body = pieces.map((p) => p.raw).join("");
        const parsed = parseMarkup(body);
        // Independently: a tag that acts separates words, any other tag is just removed.
        const expected = pieces
          .map((p) => (p.kind === "text" ? p.raw : ACTION_NAMES.includes(p.name) ? " " : ""))
          .join("")
          .replace(/\s+/g, " ")
          .trim();
        expect(parsed.spokenText).toBe(expected);
        expect(parsed.spokenText).not.toContain(MARK);
        for (const p of pieces) if (p.kind === "tag") expect(parsed.spokenText).not.toContain(p.raw);
        const said = parsed.actions.flatMap((a) => (a.type === "say" ? [a.text] : []));
        expect(said.join(" ")).toBe(parsed.spokenText);
        expect(parsed.hangup).toBe(pieces.some((p) => p.kind === "tag" && !p.raw.match(/^(<|&lt;)\//) && ["hangup", "hungup"].includes(p.name)));
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { patternProblem } from "../../protocol/settings/transfer.ts";
import {
  destinationAllowed,
  referToUri,
  requestedDtmf,
  requestedTransfer,
  simulatedTransfer,
  sipFailure,
  transferEventHints,
} from "../../protocol/transfer.ts";

const RULES = [
  { pattern: "billing", to: "+14155550111", waitSeconds: 0 },
  { pattern: "speak (to|with) a (person|human)", to: "+14155550100", waitSeconds: 2.5 },
];

describe("what a bot's message asks for (protocol/transfer.ts)", () => {
  it("hints win over markup, markup over rules; rules match the spoken text in any case, never the tags", () => {
    const hints = { telephony: { action: "transfer", info: { called: " +14155550199 ", calling: "+1" } } };
    expect(requestedTransfer(`Billing <transfer referto="+14155550100"/>`, hints, RULES)).toEqual({ to: "+14155550199", waitMs: 0, via: "hints" });
    expect(requestedTransfer(`Billing <transfer referto="+14155550100", timeoutms="20000"/>`, undefined, RULES)).toEqual({
      to: "+14155550100",
      timeoutMs: 20000,
      waitMs: 0,
      via: "markup",
    });
    expect(requestedTransfer("You may SPEAK WITH A HUMAN now.", undefined, RULES)).toEqual({ to: "+14155550100", waitMs: 2500, via: "rule" });
    expect(requestedTransfer("Our billing team", undefined, RULES)).toMatchObject({ to: "+14155550111", via: "rule" });
    // A rule reads what is spoken: an attribute's text does not match.
    expect(requestedTransfer(`Hello <context name="billing"/>`, undefined, RULES)).toBeUndefined();
    expect(requestedTransfer("Hello", { telephony: { action: "dtmf", digits: "1" } }, RULES)).toBeUndefined();
    // A transfer asked by hints without a destination is still a request (the guard refuses it).
    expect(requestedTransfer("Hi", { telephony: { action: "transfer" } }, [])).toEqual({ to: "", waitMs: 0, via: "hints" });
    // The bot platform adaptors' shape: hints name the target as referTo, or leave it to the body's tag.
    expect(requestedTransfer(`<transfer referto="+14155550100"/>`, { telephony: { action: "transfer", referTo: "+14155550101" } }, [])).toMatchObject({ to: "+14155550101", via: "hints" });
    expect(requestedTransfer(`<transfer referto="+14155550100"/>`, { telephony: { action: "transfer" } }, [])).toMatchObject({ to: "+14155550100", via: "markup" });
  });

  it("reads DTMF hints: 0-9*#w kept, anything else dropped", () => {
    expect(requestedDtmf({ telephony: { action: "dtmf", digits: "1W2#x*" } })).toBe("1w2#*");
    expect(requestedDtmf({ telephony: { action: "dtmf", digits: "abc" } })).toBeUndefined();
    expect(requestedDtmf({ telephony: { action: "transfer", digits: "1" } })).toBeUndefined();
    expect(requestedDtmf({ telephony: "dtmf" })).toBeUndefined();
    expect(requestedDtmf(undefined)).toBeUndefined();
  });
});

describe("the toll-fraud guard", () => {
  const allowed = ["+1415", "+442071838750", "sip:desk@pbx.example.com"];
  it("allows numbers under a listed prefix or number, and listed SIP URIs only", () => {
    for (const to of ["+14155550100", "tel:+14155550100", "+442071838750", "SIP:desk@pbx.example.com"]) expect(destinationAllowed(to, allowed), to).toBe(true);
    for (const to of ["+14165550100", "+442071838751", "+4420718387", "sip:desk@evil.example.com", "sip:+14155550100@evil.example.com", "", "14155550100", "nowhere"]) {
      expect(destinationAllowed(to, allowed), to).toBe(false);
    }
  });
  it("refuses everything with no destinations", () => {
    expect(destinationAllowed("+14155550100", [])).toBe(false);
  });
});

describe("outcomes", () => {
  it("simulates busy for the 0486 test range, transferred otherwise", () => {
    expect(simulatedTransfer("+14155550486")).toEqual({ result: "busy", sipStatus: 486 });
    expect(simulatedTransfer("tel:+14155550486")).toEqual({ result: "busy", sipStatus: 486 });
    expect(simulatedTransfer("+14155550487")).toEqual({ result: "transferred" });
  });
  it("names SIP failures", () => {
    expect([486, 600, 603, 408, 480, 487, 500, 405, undefined].map(sipFailure)).toEqual([
      "busy",
      "busy",
      "declined",
      "no answer",
      "no answer",
      "no answer",
      "failed",
      "failed",
      "failed",
    ]);
  });
  it("gives LiveKit tel: URIs for numbers and SIP URIs as they are", () => {
    expect(referToUri("+14155550100")).toBe("tel:+14155550100");
    expect(referToUri("tel:+14155550100")).toBe("tel:+14155550100");
    expect(referToUri("sip:desk@pbx.example.com")).toBe("sip:desk@pbx.example.com");
  });
  it("tells the bot in hints.telephony", () => {
    expect(transferEventHints("+1", { result: "transferred" })).toEqual({ telephony: { event: "transferred", called: "+1" } });
    expect(transferEventHints("+1", { result: "destination not allowed", sipStatus: 403 })).toEqual({
      telephony: { event: "transfer_failed", called: "+1", sipStatus: 403, reason: "destination not allowed" },
    });
  });
});

describe("rule patterns checked on save", () => {
  it("refuses patterns that do not compile or could backtrack catastrophically, accepts ordinary ones", () => {
    expect(patternProblem("speak to (a person")).toMatch(/does not compile/);
    for (const bad of ["(a+)+$", "(x*)*y", "(a|aa)*(b+)+"]) expect(patternProblem(bad), bad).toMatch(/backtrack catastrophically/);
    for (const good of ["speak (to|with) a (person|human)", "billing", "^transfer me\\b", "agent|operator"]) expect(patternProblem(good), good).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import type { CallRecord, CallRecordMessage } from "../../client/index.ts";
import { allSettled, callProgress, scriptLines } from "../../cli/call-progress.ts";

const at = "2026-12-02T07:00:00.000Z";
const toBot = (body: string, delivery: CallRecordMessage["delivery"], extra: Partial<CallRecordMessage> = {}): CallRecordMessage => ({
  direction: "to_bot",
  body,
  at,
  last: false,
  delivery,
  ...extra,
});
const fromBot = (body: string, last = false): CallRecordMessage => ({ direction: "from_bot", body, at, last });
const record = (messages: CallRecordMessage[], ended?: CallRecord["endReason"]): CallRecord => ({
  conversation: "c1",
  serviceId: "s1",
  from: "+15555550100",
  to: "",
  state: ended ? "ended" : "active",
  direction: "inbound",
  failure: null,
  startedAt: at,
  endedAt: ended ? at : null,
  endReason: ended ?? null,
  failedDeliveries: 0,
  room: null,
  transfer: null,
  messages,
  turns: [],
});

describe("callProgress (the terminal caller's view of a call record between two reads)", () => {
  it("reports a delivery once, when it settles, and each bot message once", () => {
    const first = record([toBot("", "pending", { new: true })]);
    expect(callProgress(undefined, first)).toEqual([]);
    const second = record([toBot("", "delivered", { new: true }), fromBot("Hello"), toBot("a table", "pending")]);
    expect(callProgress(first, second).map((p) => p.kind)).toEqual(["delivered", "bot"]);
    const third = record([toBot("", "delivered", { new: true }), fromBot("Hello"), toBot("a table", "failed", { error: "the bot refused it: rejected" })]);
    expect(callProgress(second, third)).toEqual([{ kind: "failed", index: 2, message: third.messages[2], error: "the bot refused it: rejected" }]);
    expect(callProgress(third, third)).toEqual([]);
  });

  it("reports a record read for the first time in full, demo-mode messages, and the end once", () => {
    const over = record([toBot("", "test_chat", { new: true }), fromBot("Bye", true)], "bot_hangup");
    expect(callProgress(undefined, over).map((p) => p.kind)).toEqual(["test_chat", "bot", "ended"]);
    expect(callProgress(over, over)).toEqual([]);
    expect(callProgress(record(over.messages), over)).toEqual([{ kind: "ended", reason: "bot_hangup" }]);
  });

  it("knows when every message to the bot has settled", () => {
    expect(allSettled(record([toBot("", "delivered"), fromBot("Hi"), toBot("x", "failed")]))).toBe(true);
    expect(allSettled(record([toBot("", "delivered"), toBot("x", "pending")]))).toBe(false);
  });
});

describe("scriptLines", () => {
  it("keeps each line, trimmed, without blank lines and # comments, whatever the line ends", () => {
    expect(scriptLines("# greeting\r\nhello there \r\n\n  \nwhat time do you open\n#skip\ngoodbye")).toEqual(["hello there", "what time do you open", "goodbye"]);
    expect(scriptLines("")).toEqual([]);
  });
});

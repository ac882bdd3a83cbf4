import { describe, expect, it } from "vitest";
import { detectIntentRequest, dialogflowReplies } from "../../durable-objects/adaptors/dialogflow-cx.ts";
import { botpressReplies } from "../../durable-objects/adaptors/botpress.ts";
import { directLineActivity, directLineReplies } from "../../durable-objects/adaptors/directline.ts";
import { nextWait, readUntilQuiet } from "../../durable-objects/adaptors/poll.ts";
import { rasaReplies, rasaRequest } from "../../durable-objects/adaptors/rasa.ts";
import { endCall, transfer } from "../../durable-objects/adaptors/replies.ts";
import type { PlatformTurn } from "../../durable-objects/adaptors/types.ts";

const turn = (kind: PlatformTurn["kind"], extra: Partial<PlatformTurn> = {}): PlatformTurn => ({
  kind,
  text: "",
  digits: "",
  seq: 1,
  conversation: "c-1",
  from: "+14155550100",
  to: "+14155550200",
  language: "fr-FR",
  ...extra,
});

describe("bot platform reply mapping (pure)", () => {
  it("ends the call on the last reply, or with an empty last message when there is nothing to mark", () => {
    expect(endCall([{ body: "Bye", last: false }])).toEqual([{ body: "Bye", last: true }]);
    expect(endCall([])).toEqual([{ body: "", last: true }]);
    // A transfer is not turned into the end of the call: the end follows it.
    const transferring = transfer("+14155550199");
    expect(endCall([transferring])).toEqual([transferring, { body: "", last: true }]);
  });

  it("drops a transfer target that could break out of the markup tag", () => {
    expect(transfer('+1"/><hangup/>')).toEqual({ body: "<transfer/>", last: false, hints: { telephony: { action: "transfer" } } });
    expect(transfer("sip:desk@example.com")).toMatchObject({ body: '<transfer referto="sip:desk@example.com"/>' });
  });

  it("Rasa: the end of the call is not sent; text, custom hangup, transfer and dtmf map in order; a non-array is a bad answer", () => {
    expect(rasaRequest(turn("end"))).toBeNull();
    expect(rasaRequest(turn("dtmf", { digits: "12#" }))).toMatchObject({ sender: "c-1", message: "12#" });
    expect(
      rasaReplies([{ recipient_id: "c-1", text: "One" }, { custom: { dtmf: "1a2" } }, { text: "  " }, { text: "Two" }, { custom: { hangup: true } }]),
    ).toEqual([
      { body: "One", last: false },
      { body: '<dtmf digits="12"/>', last: false },
      { body: "Two", last: true },
    ]);
    expect(rasaReplies({ text: "no" })).toBeUndefined();
  });

  it("Direct Line: skips the caller's echoed activities and maps message, endOfConversation and events", () => {
    expect(directLineActivity(turn("dtmf", { digits: "5" }))).toMatchObject({ type: "event", name: "DTMF", value: "5", from: { id: "+14155550100" }, locale: "fr-FR" });
    const { replies, ended } = directLineReplies(
      {
        activities: [
          { type: "message", from: { id: "+14155550100" }, text: "echo of the caller" },
          { type: "typing", from: { id: "bot" } },
          { type: "message", from: { id: "bot" }, text: "Hi", speak: "<speak>Hi there</speak>" },
          { type: "event", from: { id: "bot" }, name: "sendDTMF", value: "9" },
          { type: "endOfConversation", from: { id: "bot" } },
        ],
      },
      "+14155550100",
    );
    expect(ended).toBe(true);
    expect(replies).toEqual([
      { body: "<speak>Hi there</speak>", last: false },
      { body: '<dtmf digits="9"/>', last: true },
    ]);
  });

  it("Dialogflow CX: welcome intent, dtmf input, the service's language; text, handoff and endInteraction", () => {
    const agent = "https://europe-west1-dialogflow.googleapis.com/v3/projects/p/locations/europe-west1/agents/a";
    expect(detectIntentRequest(turn("start"), agent)).toMatchObject({
      queryInput: { intent: { intent: "projects/p/locations/europe-west1/agents/a/intents/00000000-0000-0000-0000-000000000000" }, languageCode: "fr-FR" },
    });
    expect(detectIntentRequest(turn("dtmf", { digits: "3" }), agent)).toMatchObject({ queryInput: { dtmf: { digits: "3" } } });
    expect(detectIntentRequest(turn("end"), agent)).toBeNull();
    expect(
      dialogflowReplies({
        queryResult: {
          responseMessages: [
            { text: { text: ["Un instant.", ""] } },
            { liveAgentHandoff: { metadata: {} } },
            { telephonyTransferCall: { phoneNumber: "+33100000000" } },
            { endInteraction: {} },
          ],
        },
      }),
    ).toEqual([
      { body: "Un instant.", last: false },
      { body: "<transfer/>", last: false, hints: { telephony: { action: "transfer" } } },
      { body: '<transfer referto="+33100000000"/>', last: false, hints: { telephony: { action: "transfer", referTo: "+33100000000" } } },
      { body: "", last: true },
    ]);
    expect(dialogflowReplies({ responseId: "x" })).toBeUndefined();
  });

  it("Botpress: only the bot's messages not seen yet, oldest first", () => {
    const list = {
      messages: [
        { id: "m3", userId: "bot", createdAt: "2026-01-01T00:00:03Z", payload: { type: "text", text: "Third" } },
        { id: "m2", userId: "me", createdAt: "2026-01-01T00:00:02Z", payload: { type: "text", text: "mine" } },
        { id: "m1", userId: "bot", createdAt: "2026-01-01T00:00:01Z", payload: { type: "markdown", markdown: "First" } },
        { id: "m0", userId: "bot", createdAt: "2026-01-01T00:00:00Z", payload: { type: "text", text: "old" } },
      ],
    };
    expect(botpressReplies(list, "me", ["m0"])).toEqual({
      replies: [
        { body: "First", last: false },
        { body: "Third", last: false },
      ],
      ids: ["m1", "m3"],
    });
  });

  it("reads a platform that answers later quickly at first, then every interval, until the bot is quiet or ended", async () => {
    const waits: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 6; i++) waits.push((previous = nextWait(previous, 250)));
    expect(waits).toEqual([50, 100, 200, 250, 250, 250]);

    // Nothing, nothing, the bot, then quiet: four reads.
    const script = [false, false, true, false, true];
    let reads = 0;
    await readUntilQuiet({ PLATFORM_POLL_INTERVAL_MS: "20" }, async () => ({ heard: script[reads++]!, ended: false }));
    expect(reads).toBe(4);
    // The bot's end stops at once; a silent bot is read until the wait is over.
    reads = 0;
    await readUntilQuiet({}, async () => ({ heard: reads++ === 0, ended: true }));
    expect(reads).toBe(1);
    reads = 0;
    await readUntilQuiet({ PLATFORM_POLL_INTERVAL_MS: "20", PLATFORM_REPLY_WAIT_MS: "200" }, async () => ({ heard: (reads++, false), ended: false }));
    expect(reads).toBeGreaterThan(1);
  });
});

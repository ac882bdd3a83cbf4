import { describe, expect, inject, it } from "vitest";
import { eventually, say, startCall } from "./helpers.ts";
import { botSaid, callRecord, firstSettled, goodbyeEndsTheCall, handoffBecomesTransfer, platformLog, serviceOnPlatform } from "./platforms.ts";

const rasa = (behaviour = "_") => ({ botType: "rasa", botUrl: `${inject("fakeRasaUrl")}/${behaviour}` });

describe("a service whose bot is a Rasa bot (REST channel)", () => {
  it("starts the Rasa session, says Rasa's replies in order, and ends the call on its hangup", async () => {
    const { key, serviceId } = await serviceOnPlatform(rasa());
    const conversation = await startCall(key, serviceId);
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Rasa pizzeria.", last: false }]);

    await say(key, conversation, "a margherita");
    expect((await botSaid(key, conversation, 3)).slice(1)).toEqual([
      { body: "You said: a margherita", last: false },
      { body: "Anything else?", last: false },
    ]);
    const sent = (await platformLog(inject("fakeRasaUrl"))).filter((r) => r.body?.sender === conversation);
    expect(sent.map((r) => [r.method, r.path, r.body.message])).toEqual([
      ["POST", "/webhooks/rest/webhook", "/session_start"],
      ["POST", "/webhooks/rest/webhook", "a margherita"],
    ]);
    expect(sent[0]!.body.metadata).toMatchObject({ from: "+14155550100", language: "en-US" });

    const ended = await goodbyeEndsTheCall(key, conversation);
    expect(ended.messages.filter((m) => m.direction === "from_bot").at(-1)).toMatchObject({ body: "Goodbye!", last: true });
  });

  it("turns a custom transfer payload into a transfer the call can act on", async () => {
    const { key, serviceId } = await serviceOnPlatform(rasa());
    const conversation = await startCall(key, serviceId);
    await botSaid(key, conversation, 1);
    await handoffBecomesTransfer(key, conversation, "Putting you through.");
    // Our transfer_failed notice (an empty body with hints) is recorded on the call but not sent to Rasa as words.
    await eventually(async () => (await callRecord(key, conversation)).messages.some((m) => m.direction === "to_bot" && m.body === "" && m.delivery === "delivered"));
    const sent = (await platformLog(inject("fakeRasaUrl"))).filter((r) => r.body?.sender === conversation);
    expect(sent.map((r) => r.body.message)).toEqual(["/session_start", "agent"]);
  });

  it("retries a Rasa 5xx and delivers once Rasa answers", async () => {
    const { key, serviceId } = await serviceOnPlatform(rasa("fail=2"));
    const conversation = await startCall(key, serviceId);
    const call = await firstSettled(key, conversation);
    expect(call.messages[0]).toMatchObject({ delivery: "delivered", attempts: 3 });
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Rasa pizzeria.", last: false }]);
  });

  it("records a refusal (4xx) and a bad answer on the call at once, and a 5xx once the retries are spent", async () => {
    for (const [behaviour, error, attempts] of [
      ["status=403", "Rasa answered HTTP 403: status 403", 1],
      ["garbage=1", "Rasa's answer is not a list of messages", 1],
      ["status=500", "Rasa answered HTTP 500: status 500", 4],
    ] as const) {
      const { key, serviceId } = await serviceOnPlatform(rasa(behaviour));
      const conversation = await startCall(key, serviceId);
      const call = await firstSettled(key, conversation);
      expect(call.messages[0], behaviour).toMatchObject({ delivery: "failed", attempts, error });
      expect(call.failedDeliveries, behaviour).toBe(1);
    }
  });
});

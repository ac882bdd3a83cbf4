import { describe, expect, it } from "vitest";
import { api, botSends, deliveredOnce, say, serviceWithBot, startCall } from "./helpers.ts";

describe("the service's message format", () => {
  it("seed (the default) spells flags as strings and unknown fields as empty strings", async () => {
    const { key, serviceId } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    const [first] = await deliveredOnce(conversation, 1);
    expect(first).toMatchObject({ new: "true", last: "false", opaque: "" });
  });

  it("booleans spells flags as JSON booleans and an unknown opaque as null, as the real PhoneMyBot does", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const patched = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { messageFormat: "booleans" } });
    const conversation = await startCall(key, serviceId);
    const [first] = await deliveredOnce(conversation, 1);
    expect(first).toMatchObject({ new: true, last: false, opaque: null, from: "+14155550100" });

    // A bot written for the real product answers with nulls and a JSON-encoded hints string.
    const answer = await botSends(conversation, patched.body.token ?? token, {
      from: null,
      to: null,
      opaque: "state-1",
      body: "Hello",
      new: false,
      last: false,
      hints: JSON.stringify({ note: "kept" }),
    });
    expect(answer.body).toEqual({ success: true, reason: "delivered" });
    await say(key, conversation, "hi");
    const [, second] = await deliveredOnce(conversation, 2);
    expect(second).toMatchObject({ new: false, last: false, opaque: "state-1", body: "hi" });
  });

  it("refuses hints that are neither an object nor a JSON-encoded object, as rejected", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    const conversation = await startCall(key, serviceId);
    for (const hints of ["not json", "[1,2]", 42]) {
      const answer = await botSends(conversation, token, { body: "Hello", hints });
      expect(answer, String(hints)).toEqual({ status: 400, body: { success: false, reason: "rejected" } });
    }
  });
});

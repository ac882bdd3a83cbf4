import { describe, expect, it } from "vitest";
import { api, botSends, deliveredMessages, eventually, received, say, serviceWithBot, startCall } from "./helpers.ts";

describe("a whole conversation over the messaging API", () => {
  it("goes from new to last with every field and the bot's opaque echoed", async () => {
    const { key, serviceId, token } = await serviceWithBot();
    await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { numbers: ["+14155552671"] } }).then((r) =>
      expect(r.status).toBe(200),
    );
    const fresh = (await api(`/api/v1/services/${serviceId}`, { key })).body;
    expect(fresh.numbers).toEqual(["+14155552671"]);
    // The PATCH above rotated the token: the one from before must fail, the new one works.
    const conversation = await startCall(key, serviceId, "+442071838750");
    const first = await eventually(async () => (await deliveredMessages(conversation))[0]);
    expect(first).toEqual({
      from: "+442071838750",
      to: "+14155552671",
      body: "",
      conversation,
      opaque: "",
      new: "true",
      last: "false",
    });
    const hits = await received(conversation);
    expect(hits[0]!.authorization).toBe("Basic bot-secret-123");
    expect((await botSends(conversation, token, { body: "Hi", opaque: "x" })).body.reason).toBe("authorization fail");
  });
});

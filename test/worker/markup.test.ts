import { describe, expect, it } from "vitest";
import { api, botSends, eventually } from "./helpers.ts";
import { agent, numberedServiceWithBot, phoneCall } from "./sockets.ts";

// Call-control markup at the gateway (docs/api.md, "Call control markup"): `<hangup/>` in a bot's body ends the call
// as `last` does. The body goes to the agent as sent: the agent strips the tags from speech.
describe("call-control markup at the gateway", () => {
  for (const tag of ["<hangup/>", "<HungUp></HungUp>", "&lt;hangup/&gt;"]) {
    it(`a body with ${tag} is the call's last message: the agent says it with last, the call ends as bot_hangup`, async () => {
      const { number, token, key } = await numberedServiceWithBot();
      const conversation = crypto.randomUUID();
      const { socket } = await agent(conversation);
      socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
      expect(await socket!.next()).toMatchObject({ type: "started", conversation });

      const body = `Thanks for calling, goodbye! ${tag}`;
      expect((await botSends(conversation, token, { body })).body).toEqual({ success: true, reason: "delivered" });
      expect(await socket!.next()).toMatchObject({ type: "say", body, last: true });
      expect((await botSends(conversation, token, { body: "one more thing" })).body).toEqual({ success: false, reason: "conversation not found" });
      socket!.send({ type: "finished" });
      await eventually(async () => socket!.isClosed());

      const call = (await api(`/api/v1/calls/${conversation}`, { key })).body;
      expect(call).toMatchObject({ state: "ended", endReason: "bot_hangup" });
      expect(call.messages.at(-1)).toMatchObject({ direction: "from_bot", body, last: true });
    });
  }

  it("a body without the tag, or with it only as words, does not end the call", async () => {
    const { number, token, key } = await numberedServiceWithBot();
    const { conversation, socket } = await phoneCall(number);
    expect((await botSends(conversation, token, { body: "Say hangup to hang up, or < hangup/ >." })).body.reason).toBe("delivered");
    expect(await socket!.next()).toMatchObject({ type: "say", last: false });
    expect((await api(`/api/v1/calls/${conversation}`, { key })).body).toMatchObject({ state: "active" });
  });
});

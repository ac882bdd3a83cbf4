import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_GREETING, type SampleEchoBot, startSampleEchoBot } from "../support/sample-echo-bot.ts";
import { type Gateway, startGateway } from "./server.ts";
import { serviceForBot, simulatedCall } from "./simulated-calls.ts";

/**
 * The real PhoneMyBot's sample bot, brought unchanged (te../support/sample-echo-bot.ts): it works with the service's
 * messageFormat "booleans", and not with "seed", whose "false" string in `last` it reads as true.
 */

let gateway: Gateway;
let bot: SampleEchoBot;
beforeAll(async () => {
  [gateway, bot] = await Promise.all([startGateway({}, { agent: false }), startSampleEchoBot()]);
}, 120_000);
afterAll(async () => {
  await bot?.close();
  await gateway?.stop();
}, 30_000);

async function callTheEchoBot(messageFormat: "seed" | "booleans") {
  const service = await serviceForBot(gateway, { botUrl: bot.url, botToken: "echo-bot-secret", messageFormat });
  bot.configure({ url: gateway.url, token: service.token });
  return simulatedCall(service);
}

describe("the real product's sample bot", () => {
  it('greets the caller and echoes every utterance with messageFormat "booleans"', async () => {
    const call = await callTheEchoBot("booleans");
    expect((await call.botMessagesOnce(1)).map((m) => m.body)).toEqual([ECHO_GREETING]);
    const utterances = ["hello there", "a table for two", "at eight please"];
    for (const [i, text] of utterances.entries()) {
      await call.say(text);
      await call.botMessagesOnce(i + 2);
    }
    expect((await call.botMessages()).map((m) => m.body)).toEqual([ECHO_GREETING, ...utterances]);
    // Its {"code":"OK"} answers count as delivered, and its handler never threw.
    const record = await call.settled();
    expect(record.messages.filter((m) => m.direction === "to_bot").map((m) => m.delivery)).toEqual(Array(4).fill("delivered"));
    expect(bot.errors).toEqual([]);
  }, 60_000);

  it('hears nothing back with messageFormat "seed": it reads last "false" as true and drops every message', async () => {
    const call = await callTheEchoBot("seed");
    await call.say("hello there");
    const record = await call.settled();
    // The bot took both messages (new and the utterance) and said nothing: no greeting, no echo.
    expect(record.messages.filter((m) => m.direction === "to_bot").map((m) => m.delivery)).toEqual(["delivered", "delivered"]);
    expect(bot.sent.filter((m) => m.conversation === call.conversation)).toEqual([]);
    expect(await call.botMessages()).toEqual([]);
    expect(bot.errors).toEqual([]);
  }, 60_000);
});

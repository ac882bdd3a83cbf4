import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotProcess, startBotProcess } from "./bot-process.ts";
import { type Gateway, freePort, startGateway, until } from "./server.ts";
import { serviceForBot, simulatedCall } from "./simulated-calls.ts";

/** examples/ run as a bot developer runs them (README's commands), against `npm start`'s gateway, through simulated calls. */

const AGENT_NUMBER = "+14155550100";

// Each on a different message format: both bots read either spelling.
const examples = [
  { name: "typescript-bot", command: process.execPath, args: ["--import", "tsx", "examples/typescript-bot/bot.ts"], messageFormat: "booleans" },
  { name: "python-bot", command: "python3", args: ["examples/python-bot/bot.py"], messageFormat: "seed" },
] as const;

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({}, { agent: false });
}, 120_000);
afterAll(async () => gateway?.stop(), 30_000);

describe.each(examples)("examples/$name (messageFormat $messageFormat)", ({ command, args, messageFormat }) => {
  let bot: BotProcess | undefined;
  afterAll(async () => bot?.stop());

  it("checks the Basic token, echoes with its state in opaque, asks for a transfer on agent and hangs up on goodbye", async () => {
    const port = await freePort();
    const botUrl = `http://127.0.0.1:${port}/bot`;
    const botToken = `bot-secret-${crypto.randomUUID()}`;
    const service = await serviceForBot(gateway, { botUrl, botToken, messageFormat });
    bot = await startBotProcess(
      command,
      [...args],
      { PORT: String(port), BOT_TOKEN: botToken, PHONEMYBOT_TOKEN: service.token, PHONEMYBOT_URL: gateway.url, AGENT_NUMBER },
      botUrl,
    );

    // A request without the bot token is refused.
    const unauthenticated = await fetch(botUrl, { method: "POST", headers: { authorization: "Basic wrong" }, body: "{}" });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toEqual({ success: false, reason: "authorization fail" });

    const call = await simulatedCall(service);
    const [greeting] = await call.botMessagesOnce(1);
    expect(greeting!.body).toMatch(/^Hello!/);

    await call.say("a table for two");
    await call.botMessagesOnce(2);
    await call.say("at eight");
    // The turn count comes back to the bot in opaque.
    const echoes = (await call.botMessagesOnce(3)).slice(1).map((m) => m.body);
    expect(echoes).toEqual(["You said: a table for two. That was turn 1.", "You said: at eight. That was turn 2."]);

    await call.say("can I talk to an agent");
    const transfer = (await call.botMessagesOnce(4))[3]!;
    expect(transfer.body).toBe("Putting you through to a person.");
    expect(transfer.hints).toEqual({ telephony: { action: "transfer", info: { called: AGENT_NUMBER } } });

    // A call event as the gateway sends it (hints as a JSON-encoded string, empty body): the bot parses it and answers.
    const event = { telephony: { event: "transfer_failed", called: AGENT_NUMBER, reason: "destination not allowed" } };
    const delivered = await fetch(botUrl, {
      method: "POST",
      headers: { authorization: `Basic ${botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ conversation: call.conversation, body: "", new: false, last: false, hints: JSON.stringify(event) }),
    });
    expect(await delivered.json()).toEqual({ success: true, reason: "delivered" });
    await until(
      async () => (await call.botMessages()).some((m) => m.body === "Sorry, nobody can take your call right now."),
      15_000,
      "the bot's answer to transfer_failed",
    );

    await call.say("goodbye");
    const ended = await call.ended();
    const last = ended.messages.filter((m) => m.direction === "from_bot").at(-1)!;
    expect(last.body).toMatch(/^Goodbye!/);
    expect(last.last).toBe(true);
    expect(ended).toMatchObject({ state: "ended", endReason: "bot_hangup" });
    // Every message the gateway sent was taken by the bot.
    expect(ended.messages.filter((m) => m.delivery === "failed")).toEqual([]);
  }, 90_000);
});

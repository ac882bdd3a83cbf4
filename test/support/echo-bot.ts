import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { messagingClient } from "../../client/index.ts";

/**
 * A bot on loopback that answers like a small real one, through the gateway's messaging API (the typed client):
 * "Hello, this is the echo bot." to a new call, "You said: <words>." to each message, and "Goodbye!" with
 * `last` to "goodbye". It answers our delivery at once and sends its reply after. `token` is the service's
 * PhoneMyBot token, set once the service points at this bot. `received` lists the bodies it got, per conversation.
 */
export async function startEchoBot(gatewayUrl: string) {
  const received = new Map<string, string[]>();
  const bot = { token: "", url: "", received, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { conversation: string; body: string; new?: unknown; last?: unknown };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success: true, reason: "delivered" }));
      const log = received.get(message.conversation) ?? [];
      received.set(message.conversation, [...log, message.body]);
      if (message.last === "true" || message.last === true) return;
      const goodbye = /\bgoodbye\b/i.test(message.body);
      const body = message.new === "true" || message.new === true ? "Hello, this is the echo bot." : goodbye ? "Goodbye!" : `You said: ${message.body}.`;
      void messagingClient(gatewayUrl, bot.token).POST("/cloudengine/rest/voicebot/send/{conversation}", {
        params: { path: { conversation: message.conversation } },
        body: { conversation: message.conversation, body, last: goodbye ? "true" : "false" },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bot.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return bot;
}

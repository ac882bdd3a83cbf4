import type { CallMessage } from "../../protocol/management.ts";
import { type Gateway, callGateway, until } from "./server.ts";

/** A new account with one service whose bot is `bot`; returns the API key, the service and its PhoneMyBot token. */
export async function serviceForBot(gateway: Gateway, bot: { botUrl: string; botToken: string; messageFormat?: "seed" | "booleans" }) {
  const account = await callGateway(gateway.url, "/api/v1/accounts", {
    method: "POST",
    json: { email: `bot-${crypto.randomUUID()}@example.com`, password: "a bot developer's password" },
  });
  if (account.status !== 201) throw new Error(`sign-up: ${account.status} ${JSON.stringify(account.body)}`);
  const key = account.body.apiKey as string;
  const created = await callGateway(gateway.url, "/api/v1/services", { method: "POST", key, json: { name: "Example bot", language: "en-US" } });
  if (created.status !== 201) throw new Error(`service: ${created.status} ${JSON.stringify(created.body)}`);
  const serviceId = created.body.id as string;
  const patched = await callGateway(gateway.url, `/api/v1/services/${serviceId}`, { method: "PATCH", key, json: bot });
  if (patched.status !== 200) throw new Error(`configure: ${patched.status} ${JSON.stringify(patched.body)}`);
  return { key, serviceId, token: patched.body.token as string };
}

/** A simulated call (management API) and what its caller can do. */
export async function simulatedCall(gateway: Gateway, key: string, serviceId: string, from = "+14155550123") {
  const started = await callGateway(gateway.url, `/api/v1/services/${serviceId}/calls`, { method: "POST", key, json: { from } });
  if (started.status !== 201) throw new Error(`call: ${started.status} ${JSON.stringify(started.body)}`);
  const conversation = started.body.conversation as string;
  const record = async () => (await callGateway(gateway.url, `/api/v1/calls/${conversation}`, { key })).body as {
    state: string;
    endReason: string | null;
    messages: CallMessage[];
  };
  const botMessages = async () => (await record()).messages.filter((m) => m.direction === "from_bot");
  return {
    conversation,
    record,
    botMessages,
    say: async (text: string) => {
      const said = await callGateway(gateway.url, `/api/v1/calls/${conversation}/utterances`, { method: "POST", key, json: { text } });
      if (said.status !== 202) throw new Error(`say "${text}": ${said.status} ${JSON.stringify(said.body)}`);
    },
    /** The bot's messages once there are `count` of them. */
    botMessagesOnce: (count: number, timeoutMs = 15_000) =>
      until(async () => {
        const messages = await botMessages();
        return messages.length >= count && messages;
      }, timeoutMs, `${count} messages from the bot on ${conversation}`),
    /** The call record once the call has ended. */
    ended: (timeoutMs = 15_000) =>
      until(async () => {
        const call = await record();
        return call.state === "ended" && call;
      }, timeoutMs, `${conversation} to end`),
    /** The call record once every message to the bot has been settled (delivered or failed). */
    settled: (timeoutMs = 15_000) =>
      until(async () => {
        const call = await record();
        return call.messages.every((m) => m.delivery !== "pending") && call;
      }, timeoutMs, `the deliveries of ${conversation}`),
  };
}

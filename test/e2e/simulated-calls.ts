import { type Gateway, callRecord, newAccount, newService, startCall, until, utter } from "./server.ts";

/** A new account with one service whose bot is `bot`: the account's typed client, the service and its PhoneMyBot token. */
export async function serviceForBot(gateway: Gateway, bot: { botUrl: string; botToken: string; messageFormat?: "seed" | "booleans" }) {
  const account = await newAccount(gateway.url, "bot-developer");
  const service = await newService(account.api, { name: "Example bot", ...bot });
  return { api: account.api, serviceId: service.id, token: service.token };
}

/** A simulated call (management API) and what its caller, and a test watching it, can do. */
export async function simulatedCall(service: Awaited<ReturnType<typeof serviceForBot>>, from = "+14155550123") {
  const { api } = service;
  const conversation = await startCall(api, service.serviceId, from);
  const record = () => callRecord(api, conversation);
  const botMessages = async () => (await record()).messages.filter((m) => m.direction === "from_bot");
  return {
    conversation,
    record,
    botMessages,
    say: async (text: string) => {
      const said = await utter(api, conversation, text);
      if (said.response.status !== 202) throw new Error(`say "${text}": ${said.response.status}`);
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

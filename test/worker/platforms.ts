import { expect } from "vitest";
import { api, createService, eventually, register, say } from "./helpers.ts";

/** A service whose bot is a bot platform: `settings` is the PATCH (botType, botUrl, its secrets). */
export async function serviceOnPlatform(settings: Record<string, unknown>) {
  const account = await register();
  const service = await createService(account.apiKey);
  const res = await api(`/api/v1/services/${service.id}`, { method: "PATCH", key: account.apiKey, json: settings });
  if (res.status !== 200) throw new Error(`configure: ${res.status} ${JSON.stringify(res.body)}`);
  return { key: account.apiKey, serviceId: service.id, service: res.body };
}

export interface CallMessage {
  direction: "to_bot" | "from_bot";
  body: string;
  last: boolean;
  new?: boolean;
  delivery?: string;
  attempts?: number;
  error?: string;
  dtmf?: string;
}

export const callRecord = async (key: string, conversation: string) =>
  (await api(`/api/v1/calls/${conversation}`, { key })).body as { state: string; endReason: string | null; messages: CallMessage[]; failedDeliveries: number; transfer: { to: string; result: string } | null };

/** The bot's side of the call, once it has said `count` messages. */
export const botSaid = (key: string, conversation: string, count: number) =>
  eventually(async () => {
    const said = (await callRecord(key, conversation)).messages.filter((m) => m.direction === "from_bot");
    return said.length >= count && said.map((m) => ({ body: m.body, last: m.last }));
  });

/** The call record once its first message to the bot has settled (delivered, or failed for good). */
export const firstSettled = (key: string, conversation: string, timeoutMs?: number) =>
  eventually(async () => {
    const call = await callRecord(key, conversation);
    return call.messages[0]?.delivery !== "pending" && call;
  }, timeoutMs);

/** What a fake platform received, in order (test/support/platforms/loopback.ts). */
export async function platformLog(url: string): Promise<{ method: string; path: string; authorization: string | null; userKey: string | null; body: any }[]> {
  return (await (await fetch(`${url}/_log`)).json()) as any;
}

/** The caller says "goodbye", to which every fake platform's bot ends the call: it ends as `bot_hangup`. The ended record. */
export async function goodbyeEndsTheCall(key: string, conversation: string) {
  await say(key, conversation, "goodbye");
  const ended = await eventually(async () => {
    const call = await callRecord(key, conversation);
    return call.state === "ended" && call;
  });
  expect(ended.endReason).toBe("bot_hangup");
  return ended;
}

/**
 * The caller asks for an "agent": the platform's handoff comes to the call as `said` and then our transfer markup,
 * acted on as any bot's transfer (this service allows no destination, so the guard refuses it: Call control).
 */
export async function handoffBecomesTransfer(key: string, conversation: string, said: string) {
  await say(key, conversation, "agent");
  expect((await botSaid(key, conversation, 3)).slice(1, 3)).toEqual([
    { body: said, last: false },
    { body: '<transfer referto="+14155550199"/>', last: false },
  ]);
  await eventually(async () => (await callRecord(key, conversation)).transfer?.result === "destination not allowed");
}

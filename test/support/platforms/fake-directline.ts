import { reply } from "../fake-bot.ts";
import { startPlatform } from "./loopback.ts";

export const DIRECT_LINE_SECRET = "dl-secret.fake_0123456789";
const BOT = { id: "pizza-bot", name: "Pizza bot", role: "bot" };

interface Activity {
  type: string;
  id?: string;
  from?: { id: string };
  text?: string;
  name?: string;
  value?: unknown;
  [key: string]: unknown;
}

/**
 * Direct Line 3.0 on loopback, under `/v3/directline`: `POST /conversations` (201 `{conversationId, token,
 * expires_in, streamUrl}`), `POST /conversations/{id}/activities` (200 `{id}`), `GET
 * /conversations/{id}/activities?watermark=` (`{activities, watermark}`, the client's own activities included, as
 * Direct Line does). Every request needs `Authorization: Bearer <secret>` (401 without, 403 with a wrong one,
 * Direct Line's error shape). The bot answers ~100 ms after each activity: a `conversationStart` event greets,
 * "goodbye" says goodbye then `endOfConversation`, "agent" sends a `transfer` event, a `DTMF` event is read back,
 * anything else is echoed in two messages. `fail=N`/`status=S` apply to starting a conversation, `readfail=N` to reading activities.
 */
export function startFakeDirectLine() {
  const conversations = new Map<string, Activity[]>();
  const botSays = (id: string, activities: Activity[]) =>
    setTimeout(() => {
      const log = conversations.get(id)!;
      for (const activity of activities) log.push({ ...activity, from: BOT, id: `${id}|${String(log.length).padStart(7, "0")}` });
    }, 100);

  return startPlatform((_req, res, request, behaviour) => {
    const error = (status: number, code: string, message: string) => reply(res, status, { error: { code, message } });
    if (request.authorization === null) return error(401, "BadArgument", "Missing token or secret");
    if (request.authorization !== `Bearer ${DIRECT_LINE_SECRET}`) return error(403, "BadArgument", "Invalid token or secret");
    const match = /^\/v3\/directline\/conversations(?:\/([^/?]+)\/activities)?(?:\?watermark=(\d*))?$/.exec(request.path);
    if (!match) return error(404, "NotFound", "Not found");
    const [, id, watermark] = match;
    if (id === undefined) {
      if (request.method !== "POST") return error(405, "BadArgument", "Method not allowed");
      const forced = behaviour.forced();
      if (forced !== undefined) return error(forced, forced >= 500 ? "ServiceError" : "BadArgument", `status ${forced}`);
      const conversationId = `conv${crypto.randomUUID().replaceAll("-", "")}`;
      conversations.set(conversationId, []);
      return reply(res, 201, { conversationId, token: "conv-token", expires_in: 1800, streamUrl: `wss://example.invalid/${conversationId}/stream` });
    }
    const log = conversations.get(decodeURIComponent(id));
    if (!log) return error(404, "BadArgument", "Conversation not found");
    if (request.method === "GET") {
      if (behaviour.params.has("readfail") && behaviour.forced("readfail") === 503) return error(503, "ServiceError", "read failed");
      const from = watermark ? Number(watermark) + 1 : 0;
      return reply(res, 200, { activities: log.slice(from), watermark: String(log.length - 1) });
    }
    const activity = request.body as Activity;
    if (typeof activity?.type !== "string" || typeof activity.from?.id !== "string") return error(400, "BadArgument", "Invalid activity");
    const activityId = `${id}|${String(log.length).padStart(7, "0")}`;
    log.push({ ...activity, id: activityId });
    if (activity.type === "event" && activity.name === "conversationStart") botSays(id, [{ type: "message", text: "Welcome to the Bot Framework pizzeria." }]);
    else if (activity.type === "event" && activity.name === "DTMF") botSays(id, [{ type: "message", text: `You pressed ${String(activity.value)}` }]);
    else if (activity.type === "message" && activity.text === "goodbye") botSays(id, [{ type: "message", text: "Goodbye!" }, { type: "endOfConversation" }]);
    else if (activity.type === "message" && activity.text === "agent")
      botSays(id, [{ type: "message", text: "Transferring." }, { type: "event", name: "transfer", value: { transferTarget: "+14155550199" } }]);
    else if (activity.type === "message") botSays(id, [{ type: "message", text: `You said: ${activity.text ?? ""}` }, { type: "message", text: "Anything else?", speak: "<speak>Anything else?</speak>" }]);
    return reply(res, 200, { id: activityId });
  });
}

import { reply } from "../fake-bot.ts";
import { startPlatform } from "./loopback.ts";

export const BOTPRESS_WEBHOOK_ID = "0d3a5f6e-1b2c-4d5e-8f90-a1b2c3d4e5f6";

interface Message {
  id: string;
  createdAt: string;
  conversationId: string;
  userId: string;
  payload: Record<string, unknown>;
}

/**
 * Botpress's Chat API on loopback, under `/{webhookId}`: `POST /users` (`{user, key}`), `POST /conversations` and
 * `POST /messages` with the user's `x-user-key` (401 `{code, type, message}` without a key it gave out), `GET
 * /conversations/{id}/messages` (newest first, as Botpress lists them). The bot greets when a conversation is
 * created and echoes each text ~100 ms later; "goodbye" answers with `<hangup/>` markup. `fail=N`/`status=S` apply to `POST /messages`.
 */
export function startFakeBotpress() {
  const users = new Map<string, string>(); // key → user id
  const messages: Message[] = [];
  const botUser = "user_bot";
  const add = (conversationId: string, userId: string, payload: Record<string, unknown>) => {
    const message = { id: `msg_${crypto.randomUUID()}`, createdAt: new Date(Date.now() + messages.length).toISOString(), conversationId, userId, payload };
    messages.push(message);
    return message;
  };
  const botSays = (conversationId: string, text: string) => setTimeout(() => add(conversationId, botUser, { type: "text", text }), 100);

  return startPlatform((_req, res, request, behaviour) => {
    const prefix = `/${BOTPRESS_WEBHOOK_ID}`;
    if (!request.path.startsWith(prefix)) return reply(res, 404, { code: 404, type: "ResourceNotFound", message: "Webhook not found" });
    const path = request.path.slice(prefix.length);
    if (request.method === "POST" && path === "/users") {
      const id = `user_${crypto.randomUUID()}`;
      const key = `key_${crypto.randomUUID()}`;
      users.set(key, id);
      return reply(res, 200, { user: { id, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() }, key });
    }
    const userId = users.get(request.userKey ?? "");
    if (userId === undefined) return reply(res, 401, { id: "err_1", code: 401, type: "Unauthorized", message: "Invalid x-user-key" });
    if (request.method === "POST" && path === "/conversations") {
      const id = `conv_${crypto.randomUUID()}`;
      botSays(id, "Welcome to the Botpress pizzeria.");
      return reply(res, 200, { conversation: { id, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() } });
    }
    if (request.method === "POST" && path === "/messages") {
      const forced = behaviour.forced();
      if (forced !== undefined) return reply(res, forced, { id: "err_2", code: forced, type: forced >= 500 ? "Internal" : "InvalidPayload", message: `status ${forced}` });
      const { conversationId, payload } = request.body as { conversationId: string; payload: { type: string; text: string } };
      if (payload?.type !== "text") return reply(res, 400, { id: "err_3", code: 400, type: "InvalidPayload", message: "payload.type" });
      const message = add(conversationId, userId, payload);
      botSays(conversationId, payload.text === "goodbye" ? "Goodbye! <hangup/>" : `You said: ${payload.text}`);
      return reply(res, 200, { message });
    }
    const list = /^\/conversations\/([^/]+)\/messages$/.exec(path);
    if (request.method === "GET" && list) {
      const of = messages.filter((m) => m.conversationId === list[1]).reverse();
      return reply(res, 200, { messages: of, meta: {} });
    }
    return reply(res, 404, { code: 404, type: "ResourceNotFound", message: "Not found" });
  });
}

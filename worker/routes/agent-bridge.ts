import { Hono } from "hono";
import { CONVERSATION_HEADER, ROLE_HEADER, type SocketRole } from "../../durable-objects/socket-roles.ts";
import { CONVERSATION_ID_PATTERN } from "../../protocol/messaging.ts";
import type { AppEnv } from "../auth/api-key.ts";
import { parseAuthorization } from "../auth/authorization-header.ts";
import { conversationStub } from "../env.ts";
import { ApiError } from "../errors.ts";
import { secretsEqual } from "../secrets.ts";

/** Hands an authenticated WebSocket upgrade to the call's Durable Object, tagged with who is connecting. */
export function forwardSocket(request: Request, env: AppEnv["Bindings"], conversation: string, role: SocketRole) {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "expected a WebSocket upgrade");
  const headers = new Headers(request.headers);
  headers.set(ROLE_HEADER, role);
  headers.set(CONVERSATION_HEADER, conversation);
  return conversationStub(env, conversation).fetch(new Request(request.url, { headers }));
}

/** The voice agent's socket onto a call, authenticated with the agent secret (never a bot's token). */
export const agentBridge = new Hono<AppEnv>();

agentBridge.get("/agent/v1/conversations/:conversation", async (c) => {
  const expected = c.env.AGENT_SECRET;
  if (!expected) throw new ApiError(503, "the agent bridge is not configured (AGENT_SECRET)");
  const auth = parseAuthorization(c.req.header("authorization"), "Bearer");
  if (!auth.ok || !(await secretsEqual(auth.credential, expected))) throw new ApiError(401, "invalid agent credentials");
  const conversation = c.req.param("conversation");
  if (!CONVERSATION_ID_PATTERN.test(conversation)) throw new ApiError(400, "invalid conversation id");
  return forwardSocket(c.req.raw, c.env, conversation, "agent");
});

import { arrivalOf, stampArrival } from "../arrival.ts";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import {
  type BotMessage,
  BotMessageSchema,
  CONVERSATION_ID_PATTERN,
  type FailureReason,
  type SendReason,
  MESSAGE_LIMITS,
  SEND_PATH,
  SEND_REASON_STATUS,
  SendAnswerSchema,
  sendAnswer,
} from "../../protocol/messaging.ts";
import { parseAuthorization } from "../auth/authorization-header.ts";
import type { AppEnv } from "../auth/api-key.ts";
import { type Env, conversationStub, directory, serviceStub } from "../env.ts";
import { SendFailure } from "../errors.ts";
import { perClient, spend, tokenKey } from "../rate-limit.ts";

const answer = { content: { "application/json": { schema: SendAnswerSchema } } };

const sendRoute = createRoute({
  method: "post",
  path: SEND_PATH,
  summary: "Send a message into a conversation (the bot's side of the call)",
  description:
    "Authenticated with `Authorization: Basic <service token>`. The same request shape is what the gateway POSTs to the bot.",
  request: {
    // Documented so that the document is valid OpenAPI (and generated clients can fill it in); the handler takes any id.
    params: z.object({ conversation: z.string().describe("the call's id") }),
    body: { content: { "application/json": { schema: BotMessageSchema } } },
  },
  responses: {
    200: { description: "delivered", ...answer },
    400: { description: "rejected", ...answer },
    401: { description: "missing authorization header, wrong auhorization header format, authorization fail", ...answer },
    429: { description: "rejected: rate limit exceeded (per token, and per client address)", ...answer },
    403: { description: "start not allowed (`new` while the service does not allow calls started by the bot)", ...answer },
    404: { description: "conversation not found", ...answer },
  },
});

/**
 * The messaging API. The route is registered for the OpenAPI document only; the handler below reads the request
 * itself, because the documented order of checks (header, body, token, conversation) is part of the contract.
 */
export const messaging = new OpenAPIHono<AppEnv>();
messaging.openAPIRegistry.registerPath(sendRoute);

messaging.post(
  // Any id, even an empty one or one with a slash: the token is checked before the id is looked at.
  "/cloudengine/rest/voicebot/send/:conversation{.*}",
  stampArrival,
  perClient("SEND_PER_CLIENT"),
  bodyLimit({ maxSize: MESSAGE_LIMITS.requestBytes, onError: () => { throw new SendFailure("rejected"); } }),
  async (c) => {
    const auth = parseAuthorization(c.req.header("authorization"), "Basic");
    if (!auth.ok) throw new SendFailure(auth.reason);
    await spend(c.env, "SEND_PER_TOKEN", await tokenKey(auth.credential));

    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new SendFailure("rejected");
    }
    const parsed = BotMessageSchema.safeParse(json);
    if (!parsed.success) throw new SendFailure("rejected");
    const conversation = c.req.param("conversation");
    if (parsed.data.conversation !== undefined && parsed.data.conversation !== conversation) throw new SendFailure("rejected");

    if (parsed.data.new) {
      const reason = await startCall(c.env, auth.credential, conversation, parsed.data);
      return c.json(sendAnswer(reason), SEND_REASON_STATUS[reason]);
    }
    // The common case costs one Durable Object round trip: the call knows its service's current token.
    const accepted = CONVERSATION_ID_PATTERN.test(conversation)
      ? await conversationStub(c.env, conversation).receiveFromBot(auth.credential, parsed.data, arrivalOf(c.req.raw))
      : null;
    const reason = accepted ?? (await answerWithoutTheCall(c.env, auth.credential, parsed.data));
    return c.json(sendAnswer(reason), SEND_REASON_STATUS[reason]);
  },
);

/**
 * `new`: the bot starts a call (docs/api.md, "Calls started by the bot"). The token first (as for any message), then
 * the service decides: `start not allowed` when its outbound calls are off, `rejected` for a refused id, number or
 * limit; `delivered` once the call is placed (it rings; the bot hears how it went).
 */
async function startCall(env: Env, token: string, conversation: string, message: BotMessage): Promise<SendReason> {
  const serviceId = await directory(env).serviceForToken(token);
  if (serviceId === null) return "authorization fail";
  const request = { conversation, serviceId, to: message.to, from: message.from, body: message.body, last: message.last, opaque: message.opaque, hints: message.hints };
  if (CONVERSATION_ID_PATTERN.test(conversation)) return conversationStub(env, conversation).placeOutbound(request);
  // A malformed id has no call to address: the service answers `start not allowed` or refuses the id (records nothing).
  const refused = await serviceStub(env, serviceId).outboundRequested({ ...request, speaks: true, placedAt: Date.now(), ringMs: 0 });
  return refused.ok ? "rejected" : refused.reason;
}

/**
 * A send that no active call accepted the token of. A token that is no service's current token fails; a current
 * token of any service learns only that there is no such conversation for it (not whose call it is, if anyone's).
 */
async function answerWithoutTheCall(env: Env, token: string, message: BotMessage): Promise<FailureReason> {
  if ((await directory(env).serviceForToken(token)) === null) return "authorization fail";
  return message.new ? "start not allowed" : "conversation not found";
}

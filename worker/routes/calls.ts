import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  CallCreateSchema,
  CallSchema,
  ErrorBodySchema,
  PinEntrySchema,
  PinResultSchema,
  UtteranceSchema,
} from "../../protocol/management.ts";
import { CONVERSATION_ID_PATTERN } from "../../protocol/messaging.ts";
import { type AppEnv, requireAccount } from "../auth/api-key.ts";
import { conversationStub, directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { json, newRouter } from "../router.ts";
import { forwardSocket } from "./agent-bridge.ts";
import { ownedService } from "./services.ts";

const CallParams = z.object({ conversation: z.string().regex(CONVERSATION_ID_PATTERN) });
const callNotFound = () => new ApiError(404, "call not found");

/** The call's Durable Object, once we know the caller's account owns the call's service. */
async function ownedCall(c: Context<AppEnv>, conversation: string) {
  const stub = conversationStub(c.env, conversation);
  const serviceId = await stub.serviceId();
  if (serviceId === null || !(await directory(c.env).ownsService(c.var.accountId, serviceId))) throw callNotFound();
  return stub;
}

/** Simulated, text-only calls: the caller's side of a conversation, driven over HTTP. */
export const calls = newRouter();
calls.use("/api/v1/calls/*", requireAccount);

calls.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services/{id}/calls",
    summary: "Place a simulated call; the bot gets its `new` message",
    request: {
      params: z.object({ id: z.string().max(64) }),
      body: { content: { "application/json": { schema: CallCreateSchema } }, required: true },
    },
    responses: { 201: json(z.object({ conversation: z.string() }), "answered"), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await ownedService(c, id);
    const conversation = crypto.randomUUID();
    const started = await conversationStub(c.env, conversation).start({ conversation, serviceId: id, ...c.req.valid("json") });
    if (!started.ok) throw new ApiError(404, "service not found");
    return c.json({ conversation }, 201);
  },
);

calls.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/calls/{conversation}",
    summary: "A call with its transcript in both directions",
    request: { params: CallParams },
    responses: { 200: json(CallSchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const view = await (await ownedCall(c, c.req.valid("param").conversation)).view();
    if (!view) throw callNotFound();
    return c.json(view, 200);
  },
);

calls.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/calls/{conversation}/utterances",
    summary: "The simulated caller says something; the bot receives it as `body`",
    request: { params: CallParams, body: { content: { "application/json": { schema: UtteranceSchema } }, required: true } },
    responses: { 202: json(z.object({ queued: z.literal(true) }), "queued for the bot"), 404: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const call = await ownedCall(c, c.req.valid("param").conversation);
    if (!(await call.callerSays(c.req.valid("json").text))) throw new ApiError(409, "the call has ended");
    return c.json({ queued: true as const }, 202);
  },
);

calls.openapi(
  createRoute({
    method: "delete",
    path: "/api/v1/calls/{conversation}",
    summary: "The simulated caller hangs up; the bot gets `last`",
    request: { params: CallParams },
    responses: { 204: { description: "hung up" }, 404: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const call = await ownedCall(c, c.req.valid("param").conversation);
    if (!(await call.callerHangsUp())) throw new ApiError(409, "the call has ended");
    return c.body(null, 204);
  },
);

calls.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/calls/{conversation}/answer",
    summary: "The simulated phone answers a call the bot started (state `ringing`); the bot's body is what it hears first",
    request: { params: CallParams },
    responses: { 200: json(CallSchema), 404: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const call = await ownedCall(c, c.req.valid("param").conversation);
    if (!(await call.answerOutbound())) throw new ApiError(409, "the call is not ringing on a simulated phone");
    return c.json((await call.view())!, 200);
  },
);

calls.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/calls/{conversation}/decline",
    summary: "The simulated phone declines a call the bot started: it ends as `call_failed` (SIP 603), and the bot gets `last`",
    request: { params: CallParams },
    responses: { 200: json(CallSchema), 404: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const call = await ownedCall(c, c.req.valid("param").conversation);
    if (!(await call.declineOutbound())) throw new ApiError(409, "the call is not ringing on a simulated phone");
    return c.json((await call.view())!, 200);
  },
);

calls.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/calls/{conversation}/pin",
    summary: "The simulated caller keys the PIN from the TEST button; the right one bridges the call to that test chat",
    request: { params: CallParams, body: { content: { "application/json": { schema: PinEntrySchema } }, required: true } },
    responses: { 200: json(PinResultSchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const call = await ownedCall(c, c.req.valid("param").conversation);
    return c.json(await call.enterPin(c.req.valid("json").pin), 200);
  },
);

/** The test chat's WebSocket onto a call (messages in protocol/bridge.ts). */
calls.get("/api/v1/calls/:conversation/chat", async (c) => {
  const conversation = c.req.param("conversation");
  if (!CONVERSATION_ID_PATTERN.test(conversation)) throw callNotFound();
  await ownedCall(c, conversation);
  return forwardSocket(c.req.raw, c.env, conversation, "chat");
});

import { createRoute, z } from "@hono/zod-openapi";
import { issueLocalCallTicket } from "../../protocol/local-call-ticket.ts";
import { ErrorBodySchema } from "../../protocol/management.ts";
import { CONVERSATION_ID_PATTERN } from "../../protocol/messaging.ts";
import { BrowserCallSchema } from "../../protocol/voice.ts";
import { conversationStub, directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { localAgentUrl } from "../livekit/config.ts";
import { json, newRouter } from "../router.ts";
import { requireAccount } from "../auth/api-key.ts";

/**
 * The simulated phone answers a call the bot started with audio: a ticket for the local voice agent's call socket
 * that joins that ringing call as its callee (docs/voice.md, "Local transport"); the callee hears the bot's body
 * first. Only for calls ringing on the simulated phone (not those LiveKit dials).
 */
export const voiceAnswer = newRouter();
voiceAnswer.use("/api/v1/calls/*", requireAccount);

voiceAnswer.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/calls/{conversation}/voice-answer",
    summary: "Answer a ringing call the bot started through the local voice agent (microphone): a ticket for its call socket",
    request: { params: z.object({ conversation: z.string().regex(CONVERSATION_ID_PATTERN) }) },
    responses: {
      201: json(BrowserCallSchema, "a local-agent ticket"),
      404: json(ErrorBodySchema),
      409: json(ErrorBodySchema),
      503: json(ErrorBodySchema, "no local voice agent (or AGENT_SECRET missing)"),
    },
  }),
  async (c) => {
    const { conversation } = c.req.valid("param");
    const call = conversationStub(c.env, conversation);
    const serviceId = await call.serviceId();
    if (serviceId === null || !(await directory(c.env).ownsService(c.var.accountId, serviceId))) throw new ApiError(404, "call not found");
    if (!(await call.ringsOnSimulatedPhone())) throw new ApiError(409, "the call is not ringing on a simulated phone");
    const agentUrl = localAgentUrl(c.env, c.req.url);
    if (!agentUrl || !c.env.AGENT_SECRET) throw new ApiError(503, "no local voice agent: run it (npm start) with AGENT_SECRET shared with the gateway");
    const grant = { serviceId, from: `browser-${c.var.accountId}`, origin: new URL(c.req.url).origin, answer: conversation };
    const { ticket, claims } = await issueLocalCallTicket(c.env.AGENT_SECRET, grant);
    return c.json({ mode: "local" as const, agentUrl, ticket, expiresAt: new Date(claims.expiresAt).toISOString() }, 201);
  },
);

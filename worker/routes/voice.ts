import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { AccessToken, AgentDispatchClient } from "livekit-server-sdk";
import { issueLocalCallTicket } from "../../protocol/local-call-ticket.ts";
import { ErrorBodySchema, ServiceSchema } from "../../protocol/management.ts";
import { BROWSER_TOKEN_TTL_SECONDS, BrowserCallSchema, VoiceConfigSchema } from "../../protocol/voice.ts";
import { type AppEnv, requireAccount } from "../auth/api-key.ts";
import { ApiError } from "../errors.ts";
import { liveKitConfig, localAgentUrl } from "../livekit/config.ts";
import { provisionNumbers } from "../livekit/sync.ts";
import { json, newRouter } from "../router.ts";
import { ownedService } from "./services.ts";

const ServiceParams = z.object({ id: z.string().max(64) });

/** Authenticates once: the services router's middleware may already have run for /api/v1/services/* paths. */
const account = createMiddleware<AppEnv>(async (c, next) => (c.get("accountId") ? next() : requireAccount(c, next)));

/** Calls from the browser, the gateway's voice configuration, and retrying LiveKit provisioning. */
export const voice = newRouter();
voice.use("/api/v1/voice/*", account);
voice.use("/api/v1/services/:id/browser-calls", account);
voice.use("/api/v1/services/:id/provision", account);

/** The LiveKit configuration, with a malformed one reported as a 503 rather than ignored. */
function liveKit(env: AppEnv["Bindings"]) {
  try {
    return liveKitConfig(env);
  } catch (error) {
    throw new ApiError(503, error instanceof Error ? error.message : String(error));
  }
}

voice.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/voice/config",
    summary: "Which call path this gateway offers: LiveKit, the local agent, or none",
    responses: { 200: json(VoiceConfigSchema) },
  }),
  (c) => {
    const agentUrl = localAgentUrl(c.env, c.req.url);
    if (liveKit(c.env)) return c.json({ mode: "livekit" as const }, 200);
    return c.json(agentUrl ? { mode: "local" as const, agentUrl } : { mode: "none" as const }, 200);
  },
);

voice.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services/{id}/browser-calls",
    summary: "Call the service from the browser: a LiveKit room with the agent dispatched and a 10-minute token, or the local agent's URL and a 2-minute single-use ticket",
    request: { params: ServiceParams },
    responses: {
      201: json(BrowserCallSchema, "created"),
      404: json(ErrorBodySchema),
      502: json(ErrorBodySchema, "LiveKit refused the agent dispatch"),
      503: json(ErrorBodySchema, "no voice path is configured"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const service = await ownedService(c, id);
    if (!(await service.view())) throw new ApiError(404, "service not found");
    const config = liveKit(c.env);
    if (!config) {
      const agentUrl = localAgentUrl(c.env, c.req.url);
      if (!agentUrl) throw new ApiError(503, "voice calls are not configured: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or run the local agent (AGENT_LOCAL_URL)");
      if (!c.env.AGENT_SECRET) throw new ApiError(503, "the local voice agent needs AGENT_SECRET, shared with the gateway");
      // The caller is the account, whatever the client says; the portal's page is on the origin this request reached.
      const grant = { serviceId: id, from: `browser-${c.var.accountId}`, origin: new URL(c.req.url).origin };
      const { ticket, claims } = await issueLocalCallTicket(c.env.AGENT_SECRET, grant);
      return c.json({ mode: "local" as const, agentUrl, ticket, expiresAt: new Date(claims.expiresAt).toISOString() }, 201);
    }
    // The agent gives the call a random conversation id and reports this room in its `start` (agent/livekit-job.ts).
    const room = crypto.randomUUID();
    try {
      const dispatcher = new AgentDispatchClient(config.apiUrl, config.apiKey, config.apiSecret);
      await dispatcher.createDispatch(room, config.agentName, { metadata: JSON.stringify({ serviceId: id }) });
    } catch (error) {
      throw new ApiError(502, `LiveKit agent dispatch failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const token = new AccessToken(config.apiKey, config.apiSecret, { identity: `browser-${crypto.randomUUID()}`, ttl: BROWSER_TOKEN_TTL_SECONDS });
    token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    return c.json({ mode: "livekit" as const, url: config.url, token: await token.toJwt(), room }, 201);
  },
);

voice.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services/{id}/provision",
    summary: "Make LiveKit match the service's numbers again (after a failure shown in `provisioning`)",
    request: { params: ServiceParams },
    responses: {
      200: json(ServiceSchema),
      404: json(ErrorBodySchema),
      502: json(ErrorBodySchema, "LiveKit provisioning failed (also recorded on the service)"),
      503: json(ErrorBodySchema, "LiveKit is not configured"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const service = await ownedService(c, id);
    const view = await service.view();
    if (!view) throw new ApiError(404, "service not found");
    if (!liveKit(c.env)) throw new ApiError(503, "LiveKit is not configured (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)");
    const provisioning = await provisionNumbers(c.env, id, view.numbers);
    if (provisioning?.state === "failed") throw new ApiError(502, provisioning.error ?? "LiveKit provisioning failed");
    return c.json({ ...view, ...(provisioning ? { provisioning } : {}) }, 200);
  },
);

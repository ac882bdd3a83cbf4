import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./auth/api-key.ts";
import { sendAnswer } from "../protocol/messaging.ts";
import { ApiError, handleError, isMessagingPath } from "./errors.ts";
import { perClient } from "./rate-limit.ts";
import { isGatewayPath, securityHeaders } from "./security-headers.ts";
import { accounts } from "./routes/accounts.ts";
import { agentBridge } from "./routes/agent-bridge.ts";
import { calls } from "./routes/calls.ts";
import { messaging } from "./routes/messaging.ts";
import { services } from "./routes/services.ts";
import { session } from "./routes/session.ts";
import { voice } from "./routes/voice.ts";
import { voiceAnswer } from "./routes/voice-answer.ts";

export const app = new OpenAPIHono<AppEnv>();

app.use("*", securityHeaders);
app.onError(handleError);
app.notFound((c) =>
  isMessagingPath(c.req.path) ? c.json(sendAnswer("conversation not found"), 404) : c.json({ error: "not found" }, 404),
);

app.get("/healthz", (c) => c.json({ ok: true }));

app.use("/api/*", bodyLimit({ maxSize: 64 * 1024, onError: () => { throw new ApiError(413, "request body too large"); } }));
// Logging in and signing up are throttled per client before anything else runs.
app.post("/api/v1/session", perClient("LOGIN_PER_CLIENT"));
app.post("/api/v1/accounts", perClient("LOGIN_PER_CLIENT"));
app.route("/", messaging);
app.route("/", accounts);
app.route("/", services);
app.route("/", calls);
app.route("/", session);
app.route("/", agentBridge);
app.route("/", voice);
app.route("/", voiceAnswer);

/** The OpenAPI document's own fields; `app.getOpenAPI31Document(OPENAPI_CONFIG)` is what the route below serves. */
export const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "PhoneMyBot",
    version: "1",
    description: "The messaging API (both directions) and the management API (`Authorization: Bearer <api key>`).",
  },
};

app.doc31("/api/v1/openapi.json", OPENAPI_CONFIG);

// Last, after every route: the portal's files. The Worker runs first for every path (wrangler.toml), so that
// they get the headers above too.
app.get("*", async (c) => {
  if (isGatewayPath(c.req.path)) return c.notFound();
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  return new Response(asset.body, asset);
});

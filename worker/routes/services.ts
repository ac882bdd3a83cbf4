import { LatencySchema } from "../../protocol/turns.ts";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  CallListQuerySchema,
  CallSummarySchema,
  ErrorBodySchema,
  ServiceCreateSchema,
  ServiceLogEntrySchema,
  ServicePatchSchema,
  ServiceSchema,
  ServiceWithTokenSchema,
  TestSessionSchema,
  type UsageDay,
  UsageQuerySchema,
  UsageSchema,
  type UsageTotals,
} from "../../protocol/management.ts";
import { type AppEnv, requireAccount } from "../auth/api-key.ts";
import { botUrlRefusal } from "../bot-url-guard.ts";
import { botPlatformProblem } from "../bot-platform-check.ts";
import { conversationStub, directory, serviceStub } from "../env.ts";
import { ApiError, invalidInput } from "../errors.ts";
import { PricingSchema, priceUsage } from "../pricing.ts";
import { json, newRouter } from "../router.ts";
import { deprovision, liveKitEnabled, provisionNumbers } from "../livekit/sync.ts";

const ServiceParams = z.object({ id: z.string().max(64) });
const notFound = () => new ApiError(404, "service not found");

/** The service's Durable Object, once we know the caller's account owns it; 404 otherwise (never 403). */
export async function ownedService(c: Context<AppEnv>, serviceId: string) {
  if (!(await directory(c.env).ownsService(c.var.accountId, serviceId))) throw notFound();
  return serviceStub(c.env, serviceId);
}

export const services = newRouter();
services.use("/api/v1/services", requireAccount);
services.use("/api/v1/services/*", requireAccount);

services.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services",
    summary: "Subscribe a new service (in demo mode until a bot URL is set)",
    request: { body: { content: { "application/json": { schema: ServiceCreateSchema } }, required: true } },
    responses: { 201: json(ServiceWithTokenSchema, "created"), 400: json(ErrorBodySchema) },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const id = `svc_${crypto.randomUUID().replaceAll("-", "")}`;
    const created = await serviceStub(c.env, id).create({ id, accountId: c.var.accountId, ...input });
    await directory(c.env).registerService(c.var.accountId, id);
    return c.json(created, 201);
  },
);

services.openapi(
  createRoute({ method: "get", path: "/api/v1/services", summary: "This account's services", responses: { 200: json(z.array(ServiceSchema)) } }),
  async (c) => {
    const ids = await directory(c.env).servicesOf(c.var.accountId);
    const views = await Promise.all(ids.map((id) => serviceStub(c.env, id).view()));
    return c.json(views.filter((v) => v !== null), 200);
  },
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}",
    request: { params: ServiceParams },
    responses: { 200: json(ServiceSchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const view = await (await ownedService(c, c.req.valid("param").id)).view();
    if (!view) throw notFound();
    return c.json(view, 200);
  },
);

services.openapi(
  createRoute({
    method: "patch",
    path: "/api/v1/services/{id}",
    summary: "Reconfigure a service; issues a new token and the previous one stops working at once",
    request: { params: ServiceParams, body: { content: { "application/json": { schema: ServicePatchSchema } }, required: true } },
    responses: { 200: json(ServiceWithTokenSchema), 400: json(ErrorBodySchema), 404: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const service = await ownedService(c, id);
    const refusal = patch.botUrl === undefined ? undefined : botUrlRefusal(patch.botUrl, c.env);
    if (refusal) throw invalidInput([{ path: ["botUrl"], message: refusal }]);
    const platformProblem = await botPlatformProblem(patch, () => service.view(), c.env);
    if (platformProblem) throw invalidInput([platformProblem]);
    if (patch.numbers) {
      const assigned = await directory(c.env).assignNumbers(id, patch.numbers);
      if (!assigned.ok) throw new ApiError(409, "phone number already used by another service", [{ field: "numbers", number: assigned.taken }]);
    }
    const updated = await service.reconfigure(patch);
    if (!updated) throw notFound();
    // New numbers (and outbound trunk settings) go to LiveKit (when configured); a failure is recorded on the service and shown, not thrown.
    const provisioning = patch.numbers || patch.outbound ? await provisionNumbers(c.env, id, updated.numbers) : undefined;
    return c.json({ ...updated, ...(provisioning ? { provisioning } : {}) }, 200);
  },
);

services.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services/{id}/reset-demo",
    summary: "Forget the bot configuration and return to the built-in test chat; issues a new token",
    request: { params: ServiceParams },
    responses: { 200: json(ServiceWithTokenSchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const updated = await (await ownedService(c, c.req.valid("param").id)).resetDemo();
    if (!updated) throw notFound();
    return c.json(updated, 200);
  },
);

services.openapi(
  createRoute({
    method: "delete",
    path: "/api/v1/services/{id}",
    request: { params: ServiceParams },
    responses: { 204: { description: "deleted" }, 404: json(ErrorBodySchema), 502: json(ErrorBodySchema, "LiveKit could not be updated; nothing was deleted") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const service = await ownedService(c, id);
    const view = await service.view();
    if (view && liveKitEnabled(c.env) && (view.numbers.length > 0 || view.provisioning)) await deprovision(c.env, id);
    await directory(c.env).deleteService(id);
    const removed = await service.remove();
    // Its calls end too: the agent hangs up on the caller, and the bot gets `last` at the URL it had. The service is
    // gone whatever happens to one call (which its limits end anyway), so a failure here is logged, not answered.
    const ending = removed ? removed.calls.map((conversation) => conversationStub(c.env, conversation).serviceDeleted(removed.target)) : [];
    for (const result of await Promise.allSettled(ending)) {
      if (result.status === "rejected") console.error("ending a call of a deleted service failed:", String(result.reason));
    }
    return c.body(null, 204);
  },
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}/events",
    summary: "The service's change log (never contains a secret)",
    request: { params: ServiceParams },
    responses: { 200: json(z.array(ServiceLogEntrySchema)), 404: json(ErrorBodySchema) },
  }),
  async (c) => c.json(await (await ownedService(c, c.req.valid("param").id)).events(), 200),
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}/calls",
    summary: "The service's most recent calls",
    request: { params: ServiceParams, query: CallListQuerySchema },
    responses: { 200: json(z.array(CallSummarySchema)), 400: json(ErrorBodySchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const { limit, state } = c.req.valid("query");
    return c.json(await (await ownedService(c, c.req.valid("param").id)).calls(limit, state), 200);
  },
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}/usage",
    summary: "Usage and cost over a period of UTC days (inclusive); defaults to the current month",
    request: { params: ServiceParams, query: z.object({ from: z.string().optional(), to: z.string().optional() }) },
    responses: { 200: json(UsageSchema), 400: json(ErrorBodySchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const service = await ownedService(c, c.req.valid("param").id);
    const today = new Date().toISOString().slice(0, 10);
    const query = c.req.valid("query");
    const period = UsageQuerySchema.safeParse({ from: query.from ?? `${today.slice(0, 8)}01`, to: query.to ?? today });
    if (!period.success) throw invalidInput(period.error.issues);
    const days = await service.usageDays(period.data.from, period.data.to);
    const totals = sumUsage(days);
    return c.json({ ...period.data, ...totals, days, cost: priceUsage(totals, PricingSchema.parse(c.env.PRICING)) }, 200);
  },
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}/latency",
    summary: "Per UTC day (inclusive period, default the last 7 days): p50/p95 of each turn latency span and of the caller-perceived gap",
    request: { params: ServiceParams, query: z.object({ from: z.string().optional(), to: z.string().optional() }) },
    responses: { 200: json(LatencySchema), 400: json(ErrorBodySchema), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const service = await ownedService(c, c.req.valid("param").id);
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    const query = c.req.valid("query");
    const period = UsageQuerySchema.safeParse({ from: query.from ?? weekAgo, to: query.to ?? today });
    if (!period.success) throw invalidInput(period.error.issues);
    return c.json({ ...period.data, days: await service.latencyDays(period.data.from, period.data.to) }, 200);
  },
);

services.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/services/{id}/test-sessions",
    summary: "The TEST button: a 4-digit PIN, valid for 5 minutes and for one call, that bridges a call to the test chat",
    request: { params: ServiceParams },
    responses: { 201: json(TestSessionSchema, "created"), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const session = await (await ownedService(c, c.req.valid("param").id)).createTestSession();
    if (!session) throw notFound();
    return c.json(session, 201);
  },
);

services.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/services/{id}/test-sessions/{session}",
    summary: "Whether a call has entered the session's PIN yet, and which call",
    request: { params: ServiceParams.extend({ session: z.string().max(64) }) },
    responses: { 200: json(TestSessionSchema.omit({ pin: true })), 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    const { id, session } = c.req.valid("param");
    const found = await (await ownedService(c, id)).testSession(session);
    if (!found) throw new ApiError(404, "test session not found");
    return c.json(found, 200);
  },
);

function sumUsage(days: UsageDay[]): UsageTotals {
  const totals: UsageTotals = { calls: 0, seconds: 0, minutes: 0, sttSeconds: 0, ttsCharacters: 0, peakConcurrentCalls: 0 };
  for (const d of days) {
    totals.calls += d.calls;
    totals.seconds += d.seconds;
    totals.minutes += d.minutes;
    totals.sttSeconds += d.sttSeconds;
    totals.ttsCharacters += d.ttsCharacters;
    totals.peakConcurrentCalls = Math.max(totals.peakConcurrentCalls, d.peakConcurrentCalls);
  }
  return totals;
}

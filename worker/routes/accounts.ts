import { createRoute, z } from "@hono/zod-openapi";
import { AccountCreateSchema, AccountCreatedSchema, ErrorBodySchema } from "../../protocol/management.ts";
import { newApiKey, requireAccount } from "../auth/api-key.ts";
import { directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { json, newRouter } from "../router.ts";
import { hashPassword } from "../secrets.ts";

const ApiKeySchema = z.object({ id: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() });

export const accounts = newRouter();

accounts.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/accounts",
    summary: "Register an account; answers with its first API key",
    request: { body: { content: { "application/json": { schema: AccountCreateSchema } }, required: true } },
    responses: { 201: json(AccountCreatedSchema, "created"), 400: json(ErrorBodySchema), 409: json(ErrorBodySchema) },
  }),
  async (c) => {
    const { email, password } = c.req.valid("json");
    const id = `acc_${crypto.randomUUID()}`;
    const created = await directory(c.env).createAccount({ id, email, password: await hashPassword(password) });
    if (!created.created) throw new ApiError(409, "an account with this email exists");
    const key = await newApiKey();
    await directory(c.env).addApiKey(id, key.id, key.secretHash);
    return c.json({ id, email, apiKey: key.key }, 201);
  },
);

accounts.use("/api/v1/account/*", requireAccount);

accounts.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/account/api-keys",
    summary: "List this account's API keys (ids only; secrets are never shown again)",
    responses: { 200: json(z.array(ApiKeySchema)) },
  }),
  async (c) => {
    const keys = await directory(c.env).listApiKeys(c.var.accountId);
    const iso = (ms: number) => new Date(ms).toISOString();
    return c.json(keys.map((k) => ({ id: k.id, createdAt: iso(k.createdAt), revokedAt: k.revokedAt === null ? null : iso(k.revokedAt) })), 200);
  },
);

accounts.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/account/api-keys",
    summary: "Issue another API key",
    responses: { 201: json(z.object({ id: z.string(), apiKey: z.string() }), "created") },
  }),
  async (c) => {
    const key = await newApiKey();
    await directory(c.env).addApiKey(c.var.accountId, key.id, key.secretHash);
    return c.json({ id: key.id, apiKey: key.key }, 201);
  },
);

accounts.openapi(
  createRoute({
    method: "delete",
    path: "/api/v1/account/api-keys/{id}",
    summary: "Revoke an API key; it stops working at once",
    request: { params: z.object({ id: z.string().max(64) }) },
    responses: { 204: { description: "revoked" }, 404: json(ErrorBodySchema) },
  }),
  async (c) => {
    if (!(await directory(c.env).revokeApiKey(c.var.accountId, c.req.valid("param").id))) throw new ApiError(404, "no such API key");
    return c.body(null, 204);
  },
);

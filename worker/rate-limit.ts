import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./auth/account-context.ts";
import type { Env } from "./env.ts";
import { sha256Hex } from "./secrets.ts";

/** The rate limits, as Workers Rate Limiting bindings (limits in wrangler.toml `[[ratelimits]]`). */
export type LimiterName = "SEND_PER_TOKEN" | "SEND_PER_CLIENT" | "LOGIN_PER_CLIENT";

/** Raised when a limit is hit; answered 429 in the shape of the API that was called (see errors.ts). */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("rate limit exceeded");
  }
}

/**
 * Counts one request against `key`; throws RateLimited when over the limit. A missing binding means no limit
 * (a deployment that has not configured it).
 */
export async function spend(env: Env, name: LimiterName, key: string): Promise<void> {
  const limiter = env[name];
  if (limiter && !(await limiter.limit({ key })).success) throw new RateLimited(10);
}

/** The client as Cloudflare saw it; absent in local development, where per-client limits do not apply. */
export const clientAddress = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip");

/** Tokens are counted under a digest, so no secret is handed to the limiter. */
export const tokenKey = async (token: string) => (await sha256Hex(token)).slice(0, 32);

export const perClient = (name: LimiterName) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const client = clientAddress(c);
    if (client) await spend(c.env, name, client);
    await next();
  });

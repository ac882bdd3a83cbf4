import { createMiddleware } from "hono/factory";
import { directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { randomBase64Url, randomHex, sha256Hex } from "../secrets.ts";
import type { AppEnv } from "./account-context.ts";
import { parseAuthorization } from "./authorization-header.ts";
import { checkCsrf, currentSession } from "./session.ts";

/** Re-exported for the routes that take it from here with `requireAccount`. */
export type { AppEnv };

const KEY_FORMAT = /^pmbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A new API key: the id is stored in clear to find the key, the secret only as a hash. */
export async function newApiKey(): Promise<{ id: string; key: string; secretHash: string }> {
  const id = randomHex(8);
  const secret = randomBase64Url(32);
  return { id, key: `pmbk_${id}_${secret}`, secretHash: await sha256Hex(secret) };
}

export function splitApiKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/**
 * Management API authentication: `Authorization: Bearer <api key>`, or, for requests without an Authorization
 * header, the portal's session cookie (with its CSRF check). A request that has the header is judged on it alone.
 */
export const requireAccount = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header === undefined || header.trim() === "") {
    const session = await currentSession(c);
    if (session) {
      checkCsrf(c, session);
      c.set("accountId", session.accountId);
      return next();
    }
  }
  const parsed = parseAuthorization(header, "Bearer");
  if (!parsed.ok) throw new ApiError(401, parsed.reason === "missing authorization header" ? "missing API key" : "malformed API key");
  const key = splitApiKey(parsed.credential);
  const account = key && (await directory(c.env).accountForApiKey(key.id, key.secret));
  if (!account) throw new ApiError(401, "invalid API key");
  c.set("accountId", account.accountId);
  await next();
});

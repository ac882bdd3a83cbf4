import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ErrorBodySchema } from "../../protocol/management.ts";
import { SessionProbeSchema, SessionSchema } from "../../protocol/session.ts";
import type { AppEnv } from "../auth/api-key.ts";
import { checkCsrf, currentSession, endSession, startSession } from "../auth/session.ts";
import { directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { json, newRouter } from "../router.ts";
import { type PasswordHash, hashPassword, passwordMatches } from "../secrets.ts";

const LoginSchema = z.object({
  email: z.string().trim().max(254).transform((e) => e.toLowerCase()),
  password: z.string().max(256),
});

/** Unsuccessful logins allowed in a row before waits start, per email and per client address. */
const FREE_ATTEMPTS_PER_EMAIL = 5;
const FREE_ATTEMPTS_PER_ADDRESS = 50;

/** Checked against when the email is unknown, so both cases take the same PBKDF2 time. */
let decoy: PasswordHash | undefined;

/** A cross-site page must not be able to log a visitor in to an account of its choosing. */
function refuseCrossOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new ApiError(403, "cross-origin request refused");
}

export const session = newRouter();

session.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/session",
    summary: "Portal log-in: sets an HttpOnly session cookie and answers with the CSRF token",
    request: { body: { content: { "application/json": { schema: LoginSchema } }, required: true } },
    responses: {
      200: json(SessionSchema),
      400: json(ErrorBodySchema),
      401: json(ErrorBodySchema, "wrong email or password"),
      429: json(ErrorBodySchema, "too many failed attempts; see Retry-After"),
    },
  }),
  async (c) => {
    refuseCrossOrigin(c);
    const { email, password } = c.req.valid("json");
    const dir = directory(c.env);
    const address = c.req.header("cf-connecting-ip");
    const accountKey = `email:${email}`;
    const sharedKeys = address ? [`ip:${address}`] : [];
    const attempt = await dir.beginLoginAttempt([
      { key: accountKey, freeAttempts: FREE_ATTEMPTS_PER_EMAIL },
      ...sharedKeys.map((key) => ({ key, freeAttempts: FREE_ATTEMPTS_PER_ADDRESS })),
    ]);
    if (!attempt.ok) {
      const seconds = Math.ceil(attempt.retryAfterMs / 1000);
      c.header("retry-after", String(seconds));
      throw new ApiError(429, `too many failed log-in attempts; try again in ${seconds} second${seconds === 1 ? "" : "s"}`, [
        { retryAfterSeconds: seconds },
      ]);
    }
    const stored = await dir.passwordOf(email);
    // The password is checked here, in the Worker: the directory never sees it.
    let ok = false;
    if (stored) ok = await passwordMatches(password, stored.password);
    else await passwordMatches(password, (decoy ??= await hashPassword("not anyone's password")));
    if (!stored || !ok) throw new ApiError(401, "wrong email or password");
    await dir.loginSucceeded(accountKey, sharedKeys);
    const started = await startSession(c, stored.accountId);
    return c.json({ account: { id: stored.accountId, email }, csrfToken: started.csrfToken, expiresAt: new Date(started.expiresAt).toISOString() }, 200);
  },
);

session.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/session",
    summary: "Whether the session cookie is signed in, and to which account (a signed-out visitor gets signedIn: false, not 401)",
    responses: { 200: json(SessionProbeSchema) },
  }),
  async (c) => {
    const current = await currentSession(c);
    if (!current) return c.json({ signedIn: false as const }, 200);
    return c.json(
      {
        signedIn: true as const,
        account: { id: current.accountId, email: current.email },
        csrfToken: current.csrfToken,
        expiresAt: new Date(current.expiresAt).toISOString(),
      },
      200,
    );
  },
);

session.openapi(
  createRoute({
    method: "delete",
    path: "/api/v1/session",
    summary: "Log out: the session stops working at once (needs X-CSRF-Token)",
    responses: { 204: { description: "logged out" }, 403: json(ErrorBodySchema) },
  }),
  async (c) => {
    const current = await currentSession(c);
    if (current) checkCsrf(c, current);
    await endSession(c);
    return c.body(null, 204);
  },
);

import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { directory } from "../env.ts";
import { ApiError } from "../errors.ts";
import { randomBase64Url, sha256Hex } from "../secrets.ts";
import type { AppEnv } from "./account-context.ts";

/**
 * Portal sessions. The cookie carries a random secret; the directory stores only its SHA-256 with the account and a
 * per-session CSRF token. Every state-changing request authenticated by the cookie must repeat that CSRF token in
 * the `X-CSRF-Token` header (a cross-site page can make the browser send the cookie, but it cannot read the token,
 * and a custom header forces a CORS preflight that we never grant).
 */
export const SESSION_COOKIE = "pmb_session";
export const CSRF_HEADER = "x-csrf-token";
export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface PortalSession {
  accountId: string;
  email: string;
  csrfToken: string;
  expiresAt: number;
}

/** Cookies are `Secure` everywhere except plain-HTTP local development. */
export function isLocalDev(c: Context<AppEnv>): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
}

/** Starts a session for `accountId` and sets its cookie; answers with the CSRF token the page must send back. */
export async function startSession(c: Context<AppEnv>, accountId: string): Promise<{ csrfToken: string; expiresAt: number }> {
  const secret = randomBase64Url(32);
  const csrfToken = randomBase64Url(32);
  const expiresAt = Date.now() + SESSION_TTL_MS;
  await directory(c.env).createSession({ tokenHash: await sha256Hex(secret), accountId, csrfToken, expiresAt });
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: "Lax",
    secure: !isLocalDev(c),
    path: "/",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return { csrfToken, expiresAt };
}

/** The session named by the request's cookie, if it is live; does not check CSRF. */
export async function currentSession(c: Context<AppEnv>): Promise<PortalSession | null> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret || !SESSION_SECRET.test(secret)) return null;
  return directory(c.env).session(await sha256Hex(secret));
}

/** Ends the request's session (if any) and clears its cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret && SESSION_SECRET.test(secret)) await directory(c.env).deleteSession(await sha256Hex(secret));
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalDev(c), httpOnly: true, sameSite: "Lax" });
}

/**
 * Throws 403 unless a cookie-authenticated request may act: state-changing methods must carry the session's CSRF
 * token, and WebSocket upgrades (which browsers send cross-origin without asking) must come from our own origin.
 */
export function checkCsrf(c: Context<AppEnv>, session: PortalSession): void {
  const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  if (isUpgrade) {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new ApiError(403, "cross-origin request refused");
    return;
  }
  if (SAFE_METHODS.has(c.req.method)) return;
  const sent = c.req.header(CSRF_HEADER) ?? "";
  if (!constantTimeEqual(sent, session.csrfToken)) {
    throw new ApiError(403, "missing or invalid CSRF token", [{ header: "X-CSRF-Token" }]);
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

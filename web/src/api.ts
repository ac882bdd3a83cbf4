/**
 * The portal's only door to the gateway: same-origin JSON requests authenticated by the session cookie, with the
 * session's CSRF token on every state-changing request. Errors come back as `ApiProblem`s with a sentence to show.
 */

/** An entry of GET /api/v1/account/api-keys (worker/routes/accounts.ts). */
export interface ApiKeyInfo {
  id: string;
  createdAt: string;
  revokedAt: string | null;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }

  /** The message for one form field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    for (const d of this.details) {
      if (d && typeof d === "object" && "field" in d && (d as { field: unknown }).field === field && "message" in d) {
        return String((d as { message: unknown }).message);
      }
    }
    return undefined;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** Called when a request finds the session gone (expired, or logged out in another tab). */
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

const SAFE = new Set(["GET", "HEAD"]);

/** Turns an error body into one sentence a person can act on. */
export function describeError(status: number, body: unknown): string {
  const error = body && typeof body === "object" && "error" in body ? String((body as { error: unknown }).error) : "";
  const details = body && typeof body === "object" && "details" in body ? (body as { details: unknown }).details : undefined;
  const fields = Array.isArray(details)
    ? details
        .map((d) => {
          if (!d || typeof d !== "object") return "";
          const { field, message, number } = d as { field?: unknown; message?: unknown; number?: unknown };
          if (typeof number === "string") return `${number} is already used by another service`;
          if (typeof message !== "string") return "";
          return typeof field === "string" && field !== "" ? `${humanField(field)}: ${message}` : message;
        })
        .filter(Boolean)
    : [];
  if (error === "invalid input" && fields.length > 0) return `Please check: ${fields.join("; ")}.`;
  if (status === 409 && fields.length > 0) return `${capitalise(fields.join("; "))}.`;
  if (error) return `${capitalise(error)}.`;
  if (status === 404) return "Not found.";
  if (status >= 500) return "Something went wrong on our side. Please try again in a moment.";
  return `The request failed (HTTP ${status}).`;
}

const FIELD_NAMES: Record<string, string> = {
  botUrl: "Bot URL",
  botToken: "Bot security token",
  numbers: "Phone numbers",
  name: "Name",
  language: "Language",
  email: "Email",
  password: "Password",
  from: "From",
  text: "Text",
  pin: "PIN",
};

function humanField(field: string) {
  const [head, ...rest] = field.split(".");
  const name = FIELD_NAMES[head ?? ""] ?? head ?? field;
  return rest.length > 0 && /^\d+$/.test(rest[0]!) ? `${name} (#${Number(rest[0]) + 1})` : name;
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE.has(method) && csrfToken) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiProblem(0, "Could not reach PhoneMyBot. Check your connection and try again.");
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    // A wrong password at log-in (POST /api/v1/session) is not a session that ended.
    if (response.status === 401 && path !== "/api/v1/session") onUnauthorized?.();
    const details = parsed && typeof parsed === "object" && "details" in parsed && Array.isArray((parsed as { details: unknown }).details)
      ? ((parsed as { details: unknown[] }).details)
      : [];
    throw new ApiProblem(response.status, describeError(response.status, parsed), details);
  }
  return parsed as T;
}

/**
 * A bodiless request sent as the user leaves a page (`keepalive`: it outlives the page). Nobody is left to read its
 * answer, so none is awaited or reported; in particular a 401 (the user just logged out) does not end the session.
 */
export function sendOnLeave(method: string, path: string): void {
  const headers: Record<string, string> = csrfToken ? { "x-csrf-token": csrfToken } : {};
  fetch(path, { method, headers, credentials: "same-origin", keepalive: true }).catch(() => undefined);
}

export const errorText = (error: unknown) =>
  error instanceof ApiProblem ? error.message : error instanceof Error ? error.message : "Something went wrong.";

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type FailureReason, SEND_REASON_STATUS, sendAnswer } from "../protocol/messaging.ts";
import { RateLimited } from "./rate-limit.ts";

/** A management API error: answered as `{error, details}` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly error: string,
    readonly details?: unknown[],
  ) {
    super(error);
  }
}

/** A 400 naming each field that failed validation. */
export function invalidInput(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ApiError {
  return new ApiError(
    400,
    "invalid input",
    issues.map((issue) => ({ field: issue.path.map(String).join("."), message: issue.message })),
  );
}

/** A messaging API failure: answered as `{success: false, reason}`. */
export class SendFailure extends Error {
  constructor(readonly reason: FailureReason) {
    super(reason);
  }
}

export const isMessagingPath = (path: string) => path.startsWith("/cloudengine/");

/** The one place errors become responses. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof SendFailure) return c.json(sendAnswer(error.reason), SEND_REASON_STATUS[error.reason]);
  if (error instanceof RateLimited) {
    c.header("retry-after", String(error.retryAfterSeconds));
    const message = `rate limit exceeded; retry in ${error.retryAfterSeconds} s`;
    // The messaging API's reasons are a closed set: a throttled message is `rejected`, with the why beside it.
    return isMessagingPath(c.req.path) ? c.json({ ...sendAnswer("rejected"), error: message }, 429) : c.json({ error: message }, 429);
  }
  if (isMessagingPath(c.req.path)) {
    // Anything else on the messaging API (unreadable body, over the size limit) is a message we cannot take.
    if (error instanceof HTTPException && error.status < 500) return c.json(sendAnswer("rejected"), 400);
    console.error("messaging API error", error.name, error.message);
    return c.json({ success: false, reason: "internal error" }, 500);
  }
  if (error instanceof ApiError) return c.json({ error: error.error, ...(error.details ? { details: error.details } : {}) }, error.status);
  if (error instanceof HTTPException && error.status < 500) {
    return c.json({ error: error.message || "bad request" }, error.status as ContentfulStatusCode);
  }
  console.error("management API error", error.name, error.message);
  return c.json({ error: "internal error" }, 500);
}

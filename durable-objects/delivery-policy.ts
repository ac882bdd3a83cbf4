/** How a delivery attempt to the bot turned out, and what to do next. Pure: no clock, no network. */

export type AttemptResult =
  | { kind: "answered"; status: number; body: string }
  | { kind: "network_error"; message: string }
  | { kind: "timeout" };

export type AttemptVerdict = { kind: "delivered" } | { kind: "retry"; error: string } | { kind: "failed"; error: string };

export const DEFAULT_RETRY_DELAYS_MS = [2_000, 5_000, 10_000, 15_000];

export function parseRetryDelays(value: string | undefined): number[] {
  const delays = (value ?? "")
    .split(",")
    .map((part) => Number(part.trim()))
    .filter((n) => Number.isFinite(n) && n >= 0);
  return delays.length > 0 ? delays : DEFAULT_RETRY_DELAYS_MS;
}

export function parseTimeout(value: string | undefined, fallback = 10_000): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Network errors, timeouts, 5xx, 408 and 429 are worth another try; any other 4xx is the bot saying no. A 2xx whose
 * JSON has a `reason` other than `delivered` (our own answer shape, e.g. `{"success":false,"reason":"authorization
 * fail"}`) is a refusal too; a 2xx without JSON or without `reason` (`{"code":"OK"}`) means the bot took the message.
 */
export function judgeAttempt(result: AttemptResult): AttemptVerdict {
  if (result.kind === "timeout") return { kind: "retry", error: "the bot did not answer in time" };
  if (result.kind === "network_error") return { kind: "retry", error: `network error: ${result.message}` };
  const { status } = result;
  if (status >= 200 && status < 300) {
    const refusal = refusalIn(result.body);
    return refusal === undefined ? { kind: "delivered" } : { kind: "failed", error: `the bot refused it: ${refusal}` };
  }
  if (status >= 500 || status === 408 || status === 429) return { kind: "retry", error: `the bot answered HTTP ${status}` };
  return { kind: "failed", error: `the bot answered HTTP ${status}` };
}

/** The `reason` of a JSON object answer, when there is one and it is not `delivered`. */
function refusalIn(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || !("reason" in parsed)) return undefined;
  const { reason } = parsed;
  if (reason === "delivered") return undefined;
  return (typeof reason === "string" ? reason : JSON.stringify(reason)).slice(0, 200);
}

/** After `attempts` failed tries, the wait before the next one, or undefined when the tries are used up. */
export function nextRetryDelay(attempts: number, delays: readonly number[]): number | undefined {
  return delays[attempts - 1];
}

/** The bot's URL for one conversation: a literal `{conversation}` is replaced by the id, otherwise as is. */
export function botUrlFor(template: string, conversation: string): string {
  return template.replaceAll("{conversation}", encodeURIComponent(conversation));
}

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
 * Network errors, timeouts, 5xx, 408 and 429 are worth another try; any other 4xx is the bot saying no.
 * A 2xx that carries our own answer shape with `success: false` is a refusal too.
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

function refusalIn(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && (parsed as { success?: unknown }).success === false) {
      const reason = (parsed as { reason?: unknown }).reason;
      return typeof reason === "string" ? reason.slice(0, 200) : "success: false";
    }
  } catch {
    // A 2xx whose body is not JSON still means the bot took the message.
  }
  return undefined;
}

/** After `attempts` failed tries, the wait before the next one, or undefined when the tries are used up. */
export function nextRetryDelay(attempts: number, delays: readonly number[]): number | undefined {
  return delays[attempts - 1];
}

/** The bot's URL for one conversation: a literal `{conversation}` is replaced by the id, otherwise as is. */
export function botUrlFor(template: string, conversation: string): string {
  return template.replaceAll("{conversation}", encodeURIComponent(conversation));
}

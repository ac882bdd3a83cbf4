/**
 * Structured logs: one JSON object per event on one line (`wrangler tail --format json`, Workers Logs and Logpush
 * keep it as is), from the Worker and the Durable Objects. Each carries the ids that tie it to a call and a customer
 * (`conversation`, `serviceId`, `accountId`) when they are known; the agent's logs carry the same fields.
 *
 * Never a secret: the fields are ids, counts, states and durations, never a token, key, password, bot URL (which can
 * hold credentials in its query) or message text. As a second guard, a field whose name says it holds one is dropped.
 */
export type LogEvent =
  | "call_started"
  | "call_ended"
  | "delivery_attempt"
  | "service_created"
  | "service_reconfigured"
  | "service_deleted"
  | "token_rotated"
  | "service_link_untold"
  | "demo_reset"
  | "provisioning";

export interface LogIds {
  conversation?: string | null;
  serviceId?: string | null;
  accountId?: string | null;
}

type LogValue = string | number | boolean | null | undefined | readonly string[];

const SECRET_FIELD = /token|secret|password|authorization|apikey|api_key|url|body/i;

/** The log line for an event: pure, so that what it keeps and drops is tested apart from the console. */
export function logLine(event: LogEvent, fields: LogIds & Record<string, LogValue>, at = Date.now()): string {
  const kept: Record<string, LogValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || SECRET_FIELD.test(key)) continue;
    kept[key] = value;
  }
  return JSON.stringify({ event, at: new Date(at).toISOString(), ...kept });
}

export function logEvent(event: LogEvent, fields: LogIds & Record<string, LogValue>): void {
  console.log(logLine(event, fields));
}

import type { ServiceLogEntry } from "../protocol/management.ts";
import { type LogEvent, logEvent } from "../worker/log.ts";

/** The structured log event for each entry of a service's change log. */
const EVENT_OF: Record<ServiceLogEntry["type"], LogEvent> = {
  created: "service_created",
  reconfigured: "service_reconfigured",
  token_issued: "token_rotated",
  demo_reset: "demo_reset",
  deleted: "service_deleted",
  provisioned: "provisioning",
  provisioning_failed: "provisioning",
};

/**
 * Logs a change of a service (worker/log.ts): which fields changed, never their values; a provisioning failure's error
 * is LiveKit's message about our request, which names no credential.
 */
export function logServiceEvent(
  service: { id: string; account_id: string } | undefined,
  type: ServiceLogEntry["type"],
  fields?: string[],
  error?: string,
): void {
  logEvent(EVENT_OF[type], {
    serviceId: service?.id,
    accountId: service?.account_id,
    ...(type === "provisioned" || type === "provisioning_failed" ? { ok: type === "provisioned", error } : {}),
    ...(fields ? { fields } : {}),
  });
}

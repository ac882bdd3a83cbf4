import type { EndReason } from "../../protocol/end-reasons.ts";

/** When the call's limits end it, and why. Pure: the caller reads the clock and the rows. */
export function limitDeadline(
  call: { ends_by: number; idle_ms: number; agent_deadline: number | null },
  lastMessageAt: number,
): { at: number; reason: Extract<EndReason, "max_duration" | "idle"> } {
  // Only a call no agent carries (a simulated call) can be forgotten by its caller; a voice call has a line to watch.
  const idleAt = call.agent_deadline === null ? lastMessageAt + call.idle_ms : Number.POSITIVE_INFINITY;
  return idleAt < call.ends_by ? { at: idleAt, reason: "idle" } : { at: call.ends_by, reason: "max_duration" };
}

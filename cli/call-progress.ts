import type { CallRecord, CallRecordMessage } from "../client/index.ts";

/** Something that happened on a call between two looks at its record. */
export type CallProgress =
  | { kind: "delivered"; index: number; message: CallRecordMessage }
  | { kind: "failed"; index: number; message: CallRecordMessage; error: string }
  /** The service is in demo mode: the message waits for the portal's test chat instead of a bot. */
  | { kind: "test_chat"; index: number; message: CallRecordMessage }
  | { kind: "bot"; index: number; message: CallRecordMessage }
  | { kind: "ended"; reason: string };

/**
 * What changed from `before` to `after`, two reads of one call (`GET /api/v1/calls/{conversation}`): messages
 * are identified by their place in the transcript, which only grows; a message to the bot is reported once, when its
 * delivery is settled (delivered, failed or kept for the test chat), a message from the bot when it appears.
 */
export function callProgress(before: CallRecord | undefined, after: CallRecord): CallProgress[] {
  const progress: CallProgress[] = [];
  after.messages.forEach((message, index) => {
    const previous = before?.messages[index];
    if (message.direction === "from_bot") {
      if (!previous) progress.push({ kind: "bot", index, message });
      return;
    }
    if (message.delivery === undefined || message.delivery === "pending" || previous?.delivery === message.delivery) return;
    if (message.delivery === "failed") progress.push({ kind: "failed", index, message, error: message.error ?? "not delivered" });
    else progress.push({ kind: message.delivery, index, message });
  });
  if (after.state === "ended" && before?.state !== "ended") progress.push({ kind: "ended", reason: after.endReason ?? "unknown" });
  return progress;
}

/** Whether every message to the bot on `call` has a settled delivery. */
export function allSettled(call: CallRecord): boolean {
  return call.messages.every((m) => m.direction === "from_bot" || (m.delivery !== undefined && m.delivery !== "pending"));
}

/** The lines a call script says, in order: one utterance a line; blank lines and lines starting with `#` are skipped. */
export function scriptLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

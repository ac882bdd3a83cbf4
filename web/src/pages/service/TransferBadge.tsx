import type { CallMessage, CallTransfer } from "../../../../protocol/management.ts";
import { Badge } from "../../components/ui.tsx";

/** "Transferred to +1…" or "Transfer to +1… failed: busy". */
export function transferText(transfer: CallTransfer): string {
  return transfer.result === "transferred" ? `Transferred to ${transfer.to}` : `Transfer to ${transfer.to} failed: ${transfer.result}`;
}

/** A call's transfer in the calls list and the call detail. */
export function TransferBadge(props: { transfer: CallTransfer }) {
  return (
    <Badge tone={props.transfer.result === "transferred" ? "blue" : "red"}>
      <span data-testid="call-transfer">{transferText(props.transfer)}</span>
    </Badge>
  );
}

/** A call event we sent the bot in `hints.telephony` (transferred, transfer_failed), in words; undefined for others. */
export function telephonyEventText(message: CallMessage): string | undefined {
  const telephony = message.hints?.telephony as { event?: unknown; called?: unknown; reason?: unknown; sipStatus?: unknown } | undefined;
  if (message.direction !== "to_bot" || typeof telephony?.event !== "string") return undefined;
  const status = typeof telephony.sipStatus === "number" ? ` (SIP ${telephony.sipStatus})` : "";
  if (telephony.event === "transferred") return `(told: transferred to ${String(telephony.called)})`;
  if (telephony.event === "transfer_failed") return `(told: transfer to ${String(telephony.called)} failed: ${String(telephony.reason)}${status})`;
  return `(told: ${telephony.event})`;
}

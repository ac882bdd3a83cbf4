import type { SayTransfer } from "../../protocol/bridge.ts";
import type { Hints } from "../../protocol/hints.ts";
import type { EndReason } from "../../protocol/management.ts";
import type { ServiceSettings } from "../../protocol/service-settings.ts";
import {
  NOT_ALLOWED_SIP_STATUS,
  type TransferOutcome,
  destinationAllowed,
  requestedDtmf,
  requestedTransfer,
  simulatedTransfer,
  transferEventHints,
} from "../../protocol/transfer.ts";
import type { serviceStub } from "../bindings.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import type { CallRow } from "./schema.ts";

export interface TransferHost {
  sql: SqlStorage;
  delivery: DeliveryQueue;
  settings(): ServiceSettings;
  service(call: CallRow): ReturnType<typeof serviceStub>;
  end(call: CallRow, reason: EndReason): Promise<void>;
}

/** What a bot's message asks of the call beyond its speech: keys to send and a transfer, as the agent gets them. */
export interface CallControl {
  dtmf?: string;
  transfer?: SayTransfer;
}

/**
 * A call's transfers (docs/api.md, "Call control"). The gateway decides: it reads what the bot's message asks
 * (protocol/transfer.ts), applies the service's guard, and either hands the transfer to the agent that carries the
 * call (with the `say`), or simulates it for a call no agent carries. Each outcome is recorded on the call and its
 * service's call list and told to the bot in `hints.telephony`.
 */
export class Transfers {
  constructor(private readonly host: TransferHost) {}

  /** What the bot's message asks for (nothing on a message that ends the call). */
  controlOf(message: { body: string; hints?: Hints | undefined; last: boolean }): CallControl {
    if (message.last) return {};
    const settings = this.host.settings();
    const dtmf = requestedDtmf(message.hints);
    const asked = requestedTransfer(message.body, message.hints, settings.transferRules);
    const transfer: SayTransfer | undefined = asked && {
      to: asked.to,
      ...(asked.timeoutMs !== undefined ? { timeoutMs: asked.timeoutMs } : {}),
      waitMs: asked.waitMs,
      allowed: destinationAllowed(asked.to, settings.transferDestinations),
    };
    return { ...(dtmf ? { dtmf } : {}), ...(transfer ? { transfer } : {}) };
  }

  /**
   * After the message is recorded (and sent to the agent): a refused transfer fails at once; one on a call no agent
   * carries (a simulated call, the test chat) is simulated at once.
   */
  async afterMessage(call: CallRow, control: CallControl): Promise<void> {
    const transfer = control.transfer;
    if (!transfer) return;
    if (!transfer.allowed) return this.ended(call, transfer.to, { result: "destination not allowed", sipStatus: NOT_ALLOWED_SIP_STATUS });
    if (call.agent_deadline === null) return this.ended(call, transfer.to, simulatedTransfer(transfer.to));
  }

  /** A transfer ended: recorded on the call; the bot is told; a transferred call is over. */
  async ended(call: CallRow, to: string, outcome: TransferOutcome): Promise<void> {
    if (call.state !== "active") return;
    this.host.sql.exec("UPDATE call SET transfer_to = ?, transfer_result = ?", to, outcome.result);
    await this.host.service(call).transferRecorded(call.conversation, { to, result: outcome.result });
    const hints = transferEventHints(to, outcome);
    if (outcome.result !== "transferred") return this.host.delivery.enqueue({ body: "", hints });
    this.host.delivery.enqueue({ body: "", last: true, hints });
    await this.host.end(call, "transferred");
  }
}

import type { DeliveryState } from "../../protocol/management.ts";
import { type GatewayMessage, spellMessage } from "../../protocol/messaging.ts";
import { type Hints, encodeHints } from "../../protocol/hints.ts";
import type { ServiceSettings } from "../../protocol/service-settings.ts";
import type { GatewayToAgent } from "../../protocol/bridge.ts";
import { botUrlRefusal } from "../../worker/bot-url-guard.ts";
import { type Env, serviceStub } from "../bindings.ts";
import {
  type AttemptResult,
  type AttemptVerdict,
  botUrlFor,
  judgeAttempt,
  nextRetryDelay,
  parseRetryDelays,
  parseTimeout,
} from "../delivery-policy.ts";
import type { DeliveryTarget } from "../service-link.ts";
import type { CallRow, MessageRow } from "./schema.ts";
import { recordDeliveryAttempt } from "./turns.ts";
import { logEvent } from "../../worker/log.ts";
import { platformAdaptor } from "../adaptors/index.ts";
import type { BotReply, PlatformAdaptor, PlatformTurn } from "../adaptors/types.ts";
import { PlatformSession } from "./platform-session.ts";

export interface DeliveryHost {
  ctx: DurableObjectState;
  env: Env;
  sql: SqlStorage;
  call(): CallRow | undefined;
  service(call: CallRow): ReturnType<typeof serviceStub>;
  /** Where the call's messages for the bot go now; null when nowhere (the service is gone). */
  deliveryTarget(call: CallRow): Promise<DeliveryTarget | null>;
  /** The service's settings as the call last heard of them. */
  settings(): ServiceSettings;
  /** The account that owns the call's service, for the logs (null for a call kept by an older version). */
  accountId(): string | null;
  /** No message is pending any more. */
  drained(): void;
  /** Shows the test chat a new or changed message. */
  announce(seq: number): void;
  tellAgent(message: GatewayToAgent): void;
  /** A bot platform's reply, taken as the bot's message through the send API would be (durable-objects/adaptors/). */
  botSays(reply: BotReply): Promise<void>;
  /** Sets the object's alarm for whatever is due next. */
  scheduleAlarm(): Promise<void>;
}

/** How long after a pass would have timed out on its message the alarm takes over. */
const PASS_SAFETY_MARGIN_MS = 1_000;

/**
 * The caller's side on its way to the bot: messages wait in the `messages` table until delivered, strictly in order,
 * retried with the object's alarm (delivery-policy.ts decides what an attempt's outcome means).
 */
export class DeliveryQueue {
  /** The delivery pass under way, if any. */
  private draining: Promise<void> | undefined;

  private readonly platformSession: PlatformSession;

  constructor(private readonly host: DeliveryHost) {
    this.platformSession = new PlatformSession(host.sql);
  }

  enqueue(message: { body: string; isNew?: boolean; last?: boolean; dtmf?: string; hints?: Hints }) {
    const { sql, ctx } = this.host;
    sql.exec(
      "INSERT INTO messages (direction, body, at, is_new, last, dtmf, hints, delivery) VALUES ('to_bot', ?, ?, ?, ?, ?, ?, 'pending')",
      message.body,
      Date.now(),
      message.isNew ? 1 : 0,
      message.last ? 1 : 0,
      message.dtmf ?? null,
      message.hints ? encodeHints(message.hints) : null,
    );
    this.host.announce(sql.exec<{ seq: number }>("SELECT last_insert_rowid() AS seq").one().seq);
    ctx.waitUntil(this.drain());
    // The pass just joined or started delivers the message; the alarm, set in the same write, is the durable guarantee
    // (nextAttemptAt): it fires only if that pass has not delivered it in time, e.g. because the process died.
    void this.host.scheduleAlarm();
  }

  /**
   * When the first pending message is due, or undefined when none is pending. One not tried yet is due now, or, while
   * a pass is under way to deliver it, only once that pass would have timed out: the alarm is then a safety net, and a
   * burst of messages does not wake the object once per message.
   */
  nextAttemptAt(): number | undefined {
    const at = this.host.sql
      .exec<{ at: number }>("SELECT next_attempt_at AS at FROM messages WHERE delivery = 'pending' ORDER BY seq LIMIT 1")
      .toArray()[0]?.at;
    if (at !== 0 || this.draining === undefined) return at;
    return Date.now() + parseTimeout(this.host.env.BOT_TIMEOUT_MS) + PASS_SAFETY_MARGIN_MS;
  }

  /** The delivery pass under way, if any, to wait for. */
  passUnderWay(): Promise<void> | undefined {
    return this.draining;
  }

  /** Starts a delivery pass, or joins the one under way. */
  drain(): Promise<void> {
    this.draining ??= this.deliverPending().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Delivers pending messages to the bot strictly in order; a message that is not due yet stops the queue. */
  private async deliverPending(): Promise<void> {
    for (;;) {
      const head = this.host.sql.exec<MessageRow>("SELECT * FROM messages WHERE delivery = 'pending' ORDER BY seq LIMIT 1").toArray()[0];
      if (!head) return this.host.drained();
      if (head.next_attempt_at > Date.now()) return this.host.scheduleAlarm();
      await this.attempt(this.host.call()!, head);
    }
  }

  private async attempt(call: CallRow, message: MessageRow): Promise<void> {
    const target = await this.host.deliveryTarget(call);
    if (target === null) return this.settle(message, "failed", message.attempts, "the service no longer exists");
    if (target.kind === "test_chat") return this.settle(message, "test_chat", message.attempts, null);
    const refusal = botUrlRefusal(target.url, this.host.env);
    if (refusal) return this.settle(message, "failed", message.attempts, refusal);

    const adaptor = platformAdaptor(this.host.settings().botType);
    const postedAt = Date.now();
    // The bot's HTTP status (or what kept it from answering), for the turn's times and the log.
    let status: number | string = "platform";
    const { verdict, replies } = adaptor
      ? await this.deliverToPlatform(adaptor, call, message, target.url)
      : await this.postToBot(call, message, target).then((result) => {
          status = result.kind === "answered" ? result.status : result.kind;
          return { verdict: judgeAttempt(result), replies: [] };
        });
    const attempts = message.attempts + 1;
    const answeredAt = typeof status === "number" || adaptor ? Date.now() : null;
    recordDeliveryAttempt(this.host.sql, message.seq, postedAt, answeredAt);
    logEvent("delivery_attempt", {
      conversation: call.conversation,
      serviceId: call.service_id,
      accountId: this.host.accountId(),
      message: message.seq,
      attempt: attempts,
      status,
      outcome: verdict.kind,
      durationMs: Date.now() - postedAt,
    });
    if (verdict.kind === "delivered") {
      this.settle(message, "delivered", attempts, null);
      // In order, before the next message goes: what the platform answered to this one.
      for (const reply of replies) await this.host.botSays(reply);
      return;
    }
    const delay =
      verdict.kind === "retry" ? nextRetryDelay(attempts, parseRetryDelays(this.host.env.DELIVERY_RETRY_DELAYS_MS)) : undefined;
    if (delay === undefined) {
      this.settle(message, "failed", attempts, verdict.error);
      this.host.tellAgent({ type: "delivery_failed" });
      await this.host.service(call).deliveryFailed(call.conversation);
      return;
    }
    this.host.sql.exec(
      "UPDATE messages SET attempts = ?, next_attempt_at = ?, error = ? WHERE seq = ?",
      attempts,
      Date.now() + delay,
      verdict.error,
      message.seq,
    );
  }

  /** One message to a messaging-API bot. */
  private postToBot(call: CallRow, message: MessageRow, target: { url: string; token: string | null }): Promise<AttemptResult> {
    const payload = spellMessage(
      {
        from: call.from_number,
        to: call.to_number,
        body: message.body,
        conversation: call.conversation,
        // Read now, not when queued: the bot gets back its latest opaque value.
        opaque: this.host.call()!.opaque,
        new: message.is_new === 1,
        last: message.last === 1,
        ...(message.dtmf ? { dtmf: message.dtmf } : {}),
        ...(message.hints ? { hints: message.hints } : {}),
      },
      this.host.settings().messageFormat,
    );
    // The same key on every attempt of this message: a bot that answered too late to count can drop the retry.
    const idempotencyKey = `${call.conversation}:${message.seq}`;
    return this.post(botUrlFor(target.url, call.conversation), target.token, payload, idempotencyKey);
  }

  /** One message to a bot platform, through its adaptor; the platform's replies come back with the verdict. */
  private async deliverToPlatform(
    adaptor: PlatformAdaptor,
    call: CallRow,
    message: MessageRow,
    url: string,
  ): Promise<{ verdict: AttemptVerdict; replies: BotReply[] }> {
    const turn: PlatformTurn = {
      kind: message.is_new === 1 ? "start" : message.last === 1 ? "end" : message.dtmf ? "dtmf" : "text",
      text: message.body,
      digits: message.dtmf ?? "",
      seq: message.seq,
      conversation: call.conversation,
      from: call.from_number,
      to: call.to_number,
      language: call.language,
    };
    // Our notices to a messaging-API bot (a failed transfer, a reprompt: an empty body with hints) mean nothing to a
    // platform, which would take them as the caller saying nothing: they are recorded on the call, not sent.
    if (turn.kind === "text" && turn.text.trim() === "") return { verdict: { kind: "delivered" }, replies: [] };
    const hear = async (replies: BotReply[]) => {
      for (const reply of replies) await this.host.botSays(reply);
    };
    const outcome = await adaptor.deliver(turn, { url, settings: this.host.settings(), env: this.host.env, session: this.platformSession, hear });
    return outcome.kind === "delivered" ? { verdict: { kind: "delivered" }, replies: outcome.replies } : { verdict: outcome, replies: [] };
  }

  private settle(message: MessageRow, delivery: DeliveryState, attempts: number, error: string | null) {
    this.host.sql.exec("UPDATE messages SET delivery = ?, attempts = ?, error = ? WHERE seq = ?", delivery, attempts, error, message.seq);
    this.host.announce(message.seq);
  }

  private async post(url: string, token: string | null, payload: GatewayMessage, idempotencyKey: string): Promise<AttemptResult> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
          ...(token !== null ? { authorization: `Basic ${token}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(parseTimeout(this.host.env.BOT_TIMEOUT_MS)),
        redirect: "manual",
      });
      return { kind: "answered", status: response.status, body: (await response.text()).slice(0, 4096) };
    } catch (error) {
      if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return { kind: "timeout" };
      }
      return { kind: "network_error", message: error instanceof Error ? error.message : String(error) };
    }
  }
}

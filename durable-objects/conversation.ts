import { DurableObject } from "cloudflare:workers";
import type { Call, CallMessage, DeliveryState, EndReason } from "../protocol/management.ts";
import { type BotMessage, type GatewayMessage, type SendReason, flagString } from "../protocol/messaging.ts";
import { type Env, serviceStub } from "../worker/env.ts";
import {
  type AttemptResult,
  botUrlFor,
  judgeAttempt,
  nextRetryDelay,
  parseRetryDelays,
  parseTimeout,
} from "./delivery-policy.ts";

interface CallRow {
  conversation: string;
  service_id: string;
  from_number: string;
  to_number: string;
  state: "active" | "ended";
  opaque: string;
  started_at: number;
  ended_at: number | null;
  end_reason: EndReason | null;
  [key: string]: SqlStorageValue;
}

interface MessageRow {
  seq: number;
  direction: "to_bot" | "from_bot";
  body: string;
  at: number;
  is_new: number;
  last: number;
  dtmf: string | null;
  delivery: DeliveryState | null;
  attempts: number;
  next_attempt_at: number;
  error: string | null;
  [key: string]: SqlStorageValue;
}

export type StartResult = { ok: true; call: Call } | { ok: false; reason: "service_not_found" | "exists" };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One call. It keeps the call's state, the bot's opaque value and the transcript, and delivers the caller's side
 * to the bot in order: messages to the bot wait in the `messages` table until delivered, retried with an alarm.
 * Whoever carries the caller (a simulated call, the voice agent, the test chat) talks to the same methods.
 */
export class ConversationObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private draining = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS call (
        conversation TEXT PRIMARY KEY, service_id TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL,
        state TEXT NOT NULL, opaque TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL,
        ended_at INTEGER, end_reason TEXT);
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, direction TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL,
        is_new INTEGER NOT NULL DEFAULT 0, last INTEGER NOT NULL DEFAULT 0, dtmf TEXT,
        delivery TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, error TEXT);
      CREATE INDEX IF NOT EXISTS pending_deliveries ON messages (delivery, seq);
    `);
  }

  private call(): CallRow | undefined {
    return this.sql.exec<CallRow>("SELECT * FROM call").toArray()[0];
  }

  private service(call: CallRow) {
    return serviceStub(this.env, call.service_id);
  }

  /** Answers a call: records it on the service and queues the bot's `new` message. */
  async start(input: { conversation: string; serviceId: string; from: string; to?: string }): Promise<StartResult> {
    if (this.call()) return { ok: false, reason: "exists" };
    const startedAt = Date.now();
    const recorded = await serviceStub(this.env, input.serviceId).callStarted({
      conversation: input.conversation,
      from: input.from,
      to: input.to ?? "",
      startedAt,
    });
    if (!recorded) return { ok: false, reason: "service_not_found" };
    if (this.call()) return { ok: false, reason: "exists" };
    this.sql.exec(
      "INSERT INTO call (conversation, service_id, from_number, to_number, state, started_at) VALUES (?, ?, ?, ?, 'active', ?)",
      input.conversation,
      input.serviceId,
      input.from,
      input.to ?? recorded.numbers[0] ?? "",
      startedAt,
    );
    this.queueForBot({ body: "", isNew: true });
    return { ok: true, call: this.view()! };
  }

  serviceId(): string | null {
    return this.call()?.service_id ?? null;
  }

  /** What the caller said, for the bot. False when the call is over. */
  callerSays(text: string): boolean {
    const call = this.call();
    if (!call || call.state !== "active") return false;
    this.queueForBot({ body: text });
    return true;
  }

  /** The caller hung up: the bot gets `last`, and the call ends. False when there was no active call. */
  callerHangsUp(): boolean {
    const call = this.call();
    if (!call || call.state !== "active") return false;
    this.queueForBot({ body: "", last: true });
    this.end(call, "caller_hangup");
    return true;
  }

  /** A message from the bot through the send API, authenticated with the service's current token. */
  async receiveFromBot(token: string, message: BotMessage): Promise<SendReason> {
    const known = this.call();
    if (!known) return message.new ? "start not allowed" : "conversation not found";
    if (!(await this.service(known).verifyToken(token))) return "authorization fail";
    if (message.new) return "start not allowed";
    // Re-read: other requests may have run while the token was checked.
    const call = this.call()!;
    if (call.state !== "active") return "conversation not found";
    if (!message.last && message.body.trim() === "") return "rejected";
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO messages (direction, body, at, last) VALUES ('from_bot', ?, ?, ?)",
        message.body,
        Date.now(),
        message.last ? 1 : 0,
      );
      if (message.opaque !== undefined) this.sql.exec("UPDATE call SET opaque = ?", message.opaque);
    });
    if (message.last) this.end(call, "bot_hangup");
    return "delivered";
  }

  view(): Call | null {
    const call = this.call();
    if (!call) return null;
    const messages = this.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY seq").toArray().map(toCallMessage);
    return {
      conversation: call.conversation,
      serviceId: call.service_id,
      from: call.from_number,
      to: call.to_number,
      state: call.state,
      startedAt: iso(call.started_at),
      endedAt: call.ended_at === null ? null : iso(call.ended_at),
      endReason: call.end_reason,
      failedDeliveries: messages.filter((m) => m.delivery === "failed").length,
      messages,
    };
  }

  private end(call: CallRow, reason: EndReason) {
    const endedAt = Date.now();
    this.sql.exec("UPDATE call SET state = 'ended', ended_at = ?, end_reason = ?", endedAt, reason);
    this.ctx.waitUntil(this.service(call).callEnded(call.conversation, endedAt, reason));
  }

  private queueForBot(message: { body: string; isNew?: boolean; last?: boolean; dtmf?: string }) {
    this.sql.exec(
      "INSERT INTO messages (direction, body, at, is_new, last, dtmf, delivery) VALUES ('to_bot', ?, ?, ?, ?, ?, 'pending')",
      message.body,
      Date.now(),
      message.isNew ? 1 : 0,
      message.last ? 1 : 0,
      message.dtmf ?? null,
    );
    // The alarm is the durable guarantee; draining right away is only for latency.
    void this.ctx.storage.setAlarm(Date.now());
    this.ctx.waitUntil(this.drain());
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  /** Delivers pending messages to the bot strictly in order; a message that is not due yet stops the queue. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const head = this.sql
          .exec<MessageRow>("SELECT * FROM messages WHERE delivery = 'pending' ORDER BY seq LIMIT 1")
          .toArray()[0];
        if (!head) return;
        if (head.next_attempt_at > Date.now()) {
          await this.ctx.storage.setAlarm(head.next_attempt_at);
          return;
        }
        await this.attempt(this.call()!, head);
      }
    } finally {
      this.draining = false;
    }
  }

  private async attempt(call: CallRow, message: MessageRow): Promise<void> {
    const target = await this.service(call).deliveryTarget();
    if (target === null) return this.settle(message, "failed", message.attempts, "the service no longer exists");
    if (target.kind === "test_chat") return this.settle(message, "test_chat", message.attempts, null);

    const payload: GatewayMessage = {
      from: call.from_number,
      to: call.to_number,
      body: message.body,
      conversation: call.conversation,
      // Read now, not when queued: the bot's latest opaque value is what it gets back.
      opaque: this.call()!.opaque,
      new: flagString(message.is_new === 1),
      last: flagString(message.last === 1),
      ...(message.dtmf ? { dtmf: message.dtmf } : {}),
    };
    const verdict = judgeAttempt(await this.post(botUrlFor(target.url, call.conversation), target.token, payload));
    const attempts = message.attempts + 1;
    if (verdict.kind === "delivered") return this.settle(message, "delivered", attempts, null);
    const delay = verdict.kind === "retry" ? nextRetryDelay(attempts, parseRetryDelays(this.env.DELIVERY_RETRY_DELAYS_MS)) : undefined;
    if (delay === undefined) {
      this.settle(message, "failed", attempts, verdict.error);
      await this.service(call).deliveryFailed(call.conversation);
      return;
    }
    this.sql.exec(
      "UPDATE messages SET attempts = ?, next_attempt_at = ?, error = ? WHERE seq = ?",
      attempts,
      Date.now() + delay,
      verdict.error,
      message.seq,
    );
  }

  private settle(message: MessageRow, delivery: DeliveryState, attempts: number, error: string | null) {
    this.sql.exec("UPDATE messages SET delivery = ?, attempts = ?, error = ? WHERE seq = ?", delivery, attempts, error, message.seq);
  }

  private async post(url: string, token: string | null, payload: GatewayMessage): Promise<AttemptResult> {
    const timeoutMs = parseTimeout(this.env.BOT_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token !== null ? { authorization: `Basic ${token}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
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

function toCallMessage(row: MessageRow): CallMessage {
  return {
    direction: row.direction,
    body: row.body,
    at: iso(row.at),
    last: row.last === 1,
    ...(row.direction === "to_bot"
      ? {
          new: row.is_new === 1,
          delivery: row.delivery ?? "pending",
          attempts: row.attempts,
          ...(row.error !== null ? { error: row.error } : {}),
          ...(row.dtmf !== null ? { dtmf: row.dtmf } : {}),
        }
      : {}),
  };
}

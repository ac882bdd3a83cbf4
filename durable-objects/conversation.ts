import { DurableObject } from "cloudflare:workers";
import {
  AgentToGatewaySchema,
  type AgentToGateway,
  ChatToGatewaySchema,
  type GatewayToAgent,
  type GatewayToChat,
} from "../protocol/bridge.ts";
import {
  type Call,
  type CallMessage,
  type DeliveryState,
  type EndReason,
  MAX_PIN_ATTEMPTS,
  type PinResult,
} from "../protocol/management.ts";
import { type BotMessage, type GatewayMessage, type SendReason, flagString } from "../protocol/messaging.ts";
import { botUrlRefusal } from "../worker/bot-url-guard.ts";
import { type Env, directory, serviceStub } from "../worker/env.ts";
import {
  type AttemptResult,
  botUrlFor,
  judgeAttempt,
  nextRetryDelay,
  parseRetryDelays,
  parseTimeout,
} from "./delivery-policy.ts";

/** How long a call waits for its agent's socket to come back before it ends as `agent_lost`. */
export const DEFAULT_AGENT_RECONNECT_GRACE_MS = 5_000;
/** How often a call carried by an agent checks that the agent's socket is still there (what a restart cannot tell). */
export const DEFAULT_AGENT_CHECK_INTERVAL_MS = 30_000;

interface CallRow {
  conversation: string;
  service_id: string;
  from_number: string;
  to_number: string;
  language: string;
  test_mode: number;
  state: "active" | "ended";
  opaque: string;
  pin_attempts: number;
  started_at: number;
  ended_at: number | null;
  end_reason: EndReason | null;
  /** How many of the agent's messages after `start` have been applied (its `resume` is answered with this). */
  agent_messages: number;
  /**
   * For a call an agent carries: when the object next checks that an agent socket is open (renewed while one is),
   * or, once none is, the end of the agent's grace to come back. Null for calls without an agent.
   */
  agent_deadline: number | null;
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
  spoken_text: string | null;
  [key: string]: SqlStorageValue;
}

export type StartResult =
  | { ok: true; call: Call; language: string; testMode: boolean }
  | { ok: false; reason: "service_not_found" | "exists" };

/** Who is on the other end of a WebSocket: the voice agent carrying the caller, or the portal's test chat. */
export type SocketRole = "agent" | "chat";
interface Peer {
  role: SocketRole;
  /** The conversation id the socket was opened for (the object does not know its own name). */
  conversation: string;
}
export const ROLE_HEADER = "x-pmb-socket-role";
export const CONVERSATION_HEADER = "x-pmb-conversation";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One call. It keeps the call's state, the bot's opaque value and the transcript, and delivers the caller's side
 * to the bot in order: messages to the bot wait in the `messages` table until delivered, retried with an alarm.
 * Whoever carries the caller (a simulated call over HTTP, the voice agent over its WebSocket) and whoever plays the
 * bot (the bot over the send API, the portal's test chat over its WebSocket) use the same methods.
 */
export class ConversationObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The delivery pass under way, if any. */
  private draining: Promise<void> | undefined;
  /** The open WebSockets, and who is on the other end of each. */
  private readonly sockets = new Map<WebSocket, Peer>();
  /** This instance has given a call with no agent socket its grace (after the socket closed, or after a restart). */
  private agentGraceGiven = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS call (
        conversation TEXT PRIMARY KEY, service_id TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL,
        language TEXT NOT NULL, test_mode INTEGER NOT NULL, state TEXT NOT NULL, opaque TEXT NOT NULL DEFAULT '',
        pin_attempts INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT);
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, direction TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL,
        is_new INTEGER NOT NULL DEFAULT 0, last INTEGER NOT NULL DEFAULT 0, dtmf TEXT,
        delivery TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, error TEXT,
        spoken_text TEXT);
      CREATE INDEX IF NOT EXISTS pending_deliveries ON messages (delivery, seq);
    `);
    // Calls stored before agents could resume their socket lack these columns.
    const columns = new Set(this.sql.exec<{ name: string }>("PRAGMA table_info(call)").toArray().map((c) => c.name));
    if (!columns.has("agent_messages")) this.sql.exec("ALTER TABLE call ADD COLUMN agent_messages INTEGER NOT NULL DEFAULT 0");
    if (!columns.has("agent_deadline")) this.sql.exec("ALTER TABLE call ADD COLUMN agent_deadline INTEGER");
  }

  private call(): CallRow | undefined {
    return this.sql.exec<CallRow>("SELECT * FROM call").toArray()[0];
  }

  private service(call: CallRow) {
    return serviceStub(this.env, call.service_id);
  }

  // ---- the caller's side --------------------------------------------------------------------------------

  /** Answers a call: records it on the service and queues the bot's `new` message. */
  async start(input: { conversation: string; serviceId: string; from: string; to?: string }): Promise<StartResult> {
    if (this.call()) return { ok: false, reason: "exists" };
    const startedAt = Date.now();
    const started = await serviceStub(this.env, input.serviceId).callStarted({ ...input, startedAt });
    if (!started) return { ok: false, reason: "service_not_found" };
    if (this.call()) return { ok: false, reason: "exists" };
    this.sql.exec(
      `INSERT INTO call (conversation, service_id, from_number, to_number, language, test_mode, state, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'active', ?)`,
      input.conversation,
      input.serviceId,
      input.from,
      started.to,
      started.language,
      started.demo ? 1 : 0,
      startedAt,
    );
    this.queueForBot({ body: "", isNew: true });
    return { ok: true, call: this.view()!, language: started.language, testMode: started.demo };
  }

  serviceId(): string | null {
    return this.call()?.service_id ?? null;
  }

  /** What the caller said, for the bot. False when the call is over. */
  callerSays(text: string): boolean {
    if (this.call()?.state !== "active") return false;
    this.queueForBot({ body: text });
    return true;
  }

  /** Keys the caller pressed, for the bot (in the message's `dtmf` field). */
  callerKeys(digits: string): boolean {
    if (this.call()?.state !== "active") return false;
    this.queueForBot({ body: "", dtmf: digits });
    return true;
  }

  /** The caller hung up (or was lost): the bot gets `last`, and the call ends. False when there was no active call. */
  async callerHangsUp(reason: EndReason = "caller_hangup"): Promise<boolean> {
    const call = this.call();
    if (call?.state !== "active") return false;
    this.queueForBot({ body: "", last: true });
    await this.end(call, reason);
    return true;
  }

  /** The PIN from the portal's TEST button, keyed in by the caller: a right one bridges the call to that test chat. */
  async enterPin(pin: string): Promise<PinResult> {
    const call = this.call();
    if (call?.state !== "active") return { ok: false, attemptsLeft: 0 };
    if (call.pin_attempts >= MAX_PIN_ATTEMPTS) return { ok: false, attemptsLeft: 0 };
    this.sql.exec("UPDATE call SET pin_attempts = pin_attempts + 1");
    const ok = await this.service(call).redeemPin(pin, call.conversation);
    if (ok) this.sql.exec("UPDATE call SET pin_attempts = ?", MAX_PIN_ATTEMPTS);
    return { ok, attemptsLeft: ok ? 0 : MAX_PIN_ATTEMPTS - this.call()!.pin_attempts };
  }

  // ---- the bot's side -----------------------------------------------------------------------------------

  /** A message from the bot through the send API, authenticated with the service's current token. */
  async receiveFromBot(token: string, message: BotMessage): Promise<SendReason> {
    const known = this.call();
    if (!known) return message.new ? "start not allowed" : "conversation not found";
    if (!(await this.service(known).verifyToken(token))) return "authorization fail";
    if (message.new) return "start not allowed";
    return this.acceptBotMessage(message);
  }

  private async acceptBotMessage(message: { body: string; last: boolean; opaque?: string | undefined }): Promise<SendReason> {
    // Read again: other requests may have run while the token was checked.
    const call = this.call();
    if (call?.state !== "active") return "conversation not found";
    if (!message.last && message.body.trim() === "") return "rejected";
    const seq = this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO messages (direction, body, at, last) VALUES ('from_bot', ?, ?, ?)",
        message.body,
        Date.now(),
        message.last ? 1 : 0,
      );
      if (message.opaque !== undefined) this.sql.exec("UPDATE call SET opaque = ?", message.opaque);
      return this.sql.exec<{ seq: number }>("SELECT last_insert_rowid() AS seq").one().seq;
    });
    this.broadcast("agent", { type: "say", id: seq, body: message.body, last: message.last });
    this.announce(seq);
    if (message.last) await this.end(call, "bot_hangup");
    return "delivered";
  }

  // ---- views ----------------------------------------------------------------------------------------------

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

  private async end(call: CallRow, reason: EndReason) {
    const endedAt = Date.now();
    this.sql.exec("UPDATE call SET state = 'ended', ended_at = ?, end_reason = ?", endedAt, reason);
    this.broadcast("chat", { type: "ended", reason });
    // The agent learns of the bot's end from `say … last`, so it can finish speaking first.
    if (reason !== "bot_hangup") this.broadcast("agent", { type: "ended", reason });
    await this.service(call).callEnded(call.conversation, endedAt, reason);
  }

  // ---- WebSockets: the agent and the test chat ------------------------------------------------------------

  /**
   * Accepts a WebSocket whose role the Worker has already authenticated.
   *
   * Not with the hibernation API (`ctx.acceptWebSocket`): workerd handed its `webSocketMessage` events over out of
   * order when messages came in a burst (runs of them reversed; test/worker/bridge.test.ts, "interleaved"), and the
   * caller's words must reach the bot in the order they were said. A socket accepted here delivers its messages in
   * order. The price is that the object stays in memory while a call has a socket open, which a live call does anyway.
   */
  override async fetch(request: Request): Promise<Response> {
    const role = request.headers.get(ROLE_HEADER) as SocketRole | null;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || (role !== "agent" && role !== "chat")) {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const peer: Peer = { role, conversation: request.headers.get(CONVERSATION_HEADER) ?? "" };
    server.accept();
    this.sockets.set(server, peer);
    server.addEventListener("message", (event) => void this.onSocketMessage(server, peer, event.data).catch(logSocketFailure));
    server.addEventListener("close", () => void this.onSocketClose(server, peer).catch(logSocketFailure));
    server.addEventListener("error", () => void this.onSocketClose(server, peer).catch(logSocketFailure));
    if (role === "chat") {
      const call = this.view();
      send(server, call ? { type: "snapshot", call } : { type: "error", message: "call not found" });
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  private async onSocketMessage(ws: WebSocket, { role, conversation }: Peer, data: string | ArrayBuffer): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      json = undefined;
    }
    if (role === "agent") {
      const parsed = AgentToGatewaySchema.safeParse(json);
      if (!parsed.success) return send(ws, { type: "error", reason: "bad_message" } satisfies GatewayToAgent);
      return this.onAgentMessage(ws, conversation, parsed.data);
    }
    const parsed = ChatToGatewaySchema.safeParse(json);
    if (!parsed.success) return send(ws, { type: "error", message: "bad message" } satisfies GatewayToChat);
    const call = this.call();
    if (!call?.test_mode) return send(ws, { type: "error", message: "the service is not in demo mode" } satisfies GatewayToChat);
    const reason = await this.acceptBotMessage(parsed.data);
    if (reason !== "delivered") send(ws, { type: "error", message: reason } satisfies GatewayToChat);
  }

  private async onAgentMessage(ws: WebSocket, conversation: string, message: AgentToGateway): Promise<void> {
    if (message.type === "start") {
      const serviceId = message.serviceId ?? (message.to ? await directory(this.env).serviceForNumber(message.to) : null);
      const started = serviceId
        ? await this.start({ conversation, serviceId, from: message.from, ...(message.to ? { to: message.to } : {}) })
        : ({ ok: false, reason: "service_not_found" } as const);
      if (!started.ok) {
        send(ws, { type: "error", reason: started.reason === "exists" ? "conversation_exists" : "service_not_found" } satisfies GatewayToAgent);
        return ws.close(1008, started.reason);
      }
      send(ws, {
        type: "started",
        conversation,
        serviceId: started.call.serviceId,
        language: started.language,
        testMode: started.testMode,
      } satisfies GatewayToAgent);
      return this.watchAgent();
    }
    const call = this.call();
    if (!call) {
      send(ws, { type: "error", reason: "not_started" } satisfies GatewayToAgent);
      return message.type === "resume" ? ws.close(1008, "not_started") : undefined;
    }
    if (message.type === "resume") return this.resumeAgent(ws, call, message.lastSayId);
    // Counted with its effect, in the same synchronous write: after a reconnection the agent resends what is not.
    this.sql.exec("UPDATE call SET agent_messages = agent_messages + 1");
    switch (message.type) {
      case "transcript":
        this.callerSays(message.text);
        return;
      case "dtmf":
        this.callerKeys(message.digits);
        return;
      case "pin":
        return send(ws, { type: "pin_result", ...(await this.enterPin(message.pin)) } satisfies GatewayToAgent);
      case "interrupted":
        this.sql.exec("UPDATE messages SET spoken_text = ? WHERE seq = ? AND direction = 'from_bot'", message.spokenText, message.id);
        return;
      case "usage":
        await this.service(call).addSpeechUsage(call.started_at, message.sttSeconds, message.ttsCharacters);
        return;
      case "hangup":
        await this.callerHangsUp(message.reason ?? "caller_hangup");
        return;
      case "finished":
        ws.close(1000, "finished");
        return;
    }
  }

  /** An agent's socket opened again mid-call: it learns what it missed, and any older agent socket is let go. */
  private async resumeAgent(ws: WebSocket, call: CallRow, lastSayId: number): Promise<void> {
    if (call.state !== "active") {
      send(ws, { type: "ended", reason: call.end_reason ?? "agent_lost" } satisfies GatewayToAgent);
      return ws.close(1000, "ended");
    }
    for (const [other, peer] of this.sockets) {
      if (other === ws || peer.role !== "agent") continue;
      this.sockets.delete(other);
      other.close(1000, "superseded");
    }
    send(ws, { type: "resumed", received: call.agent_messages } satisfies GatewayToAgent);
    const missed = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE direction = 'from_bot' AND seq > ? ORDER BY seq", lastSayId).toArray();
    for (const m of missed) send(ws, { type: "say", id: m.seq, body: m.body, last: m.last === 1 } satisfies GatewayToAgent);
    await this.watchAgent();
  }

  private async onSocketClose(ws: WebSocket, peer: Peer): Promise<void> {
    // `close` and `error` can both come: only the first one counts (and a superseded socket is already gone).
    if (!this.sockets.delete(ws)) return;
    if (peer.role !== "agent" || this.socketsOf("agent").length > 0 || this.call()?.state !== "active") return;
    await this.graceAgent();
  }

  /** An agent socket is open: check again in a while (AGENT_CHECK_INTERVAL_MS). */
  private watchAgent(): Promise<void> {
    return this.setAgentDeadline(false, parseTimeout(this.env.AGENT_CHECK_INTERVAL_MS, DEFAULT_AGENT_CHECK_INTERVAL_MS));
  }

  /** No agent socket is open. The agent may be coming back (a network blip, a gateway restart): it gets a grace. */
  private graceAgent(): Promise<void> {
    return this.setAgentDeadline(true, parseTimeout(this.env.AGENT_RECONNECT_GRACE_MS, DEFAULT_AGENT_RECONNECT_GRACE_MS));
  }

  private async setAgentDeadline(grace: boolean, inMs: number): Promise<void> {
    this.agentGraceGiven = grace;
    this.sql.exec("UPDATE call SET agent_deadline = ?", Date.now() + inMs);
    await this.scheduleAlarm();
  }

  /**
   * At the agent's deadline: with a socket open, watch on. Without one, the agent gets its grace, unless it has had
   * it already: then the caller is gone, the call ends and the bot is told. (An instance started after a restart has
   * no socket and has given no grace: a call whose agent socket died with the old instance is not left open.)
   */
  private async checkAgent(): Promise<void> {
    const call = this.call();
    if (call?.state !== "active" || call.agent_deadline === null || call.agent_deadline > Date.now()) return;
    if (this.socketsOf("agent").length > 0) return this.watchAgent();
    if (!this.agentGraceGiven) return this.graceAgent();
    await this.callerHangsUp("agent_lost");
  }

  private socketsOf(role: SocketRole): WebSocket[] {
    return [...this.sockets].filter(([, peer]) => peer.role === role).map(([ws]) => ws);
  }

  private broadcast(role: SocketRole, message: GatewayToAgent | GatewayToChat) {
    for (const ws of this.socketsOf(role)) send(ws, message);
  }

  /** Shows the test chat a new or changed message. */
  private announce(seq: number) {
    if (this.socketsOf("chat").length === 0) return;
    const row = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
    if (row) this.broadcast("chat", { type: "message", message: toCallMessage(row) });
  }

  // ---- delivery to the bot --------------------------------------------------------------------------------

  private queueForBot(message: { body: string; isNew?: boolean; last?: boolean; dtmf?: string }) {
    this.sql.exec(
      "INSERT INTO messages (direction, body, at, is_new, last, dtmf, delivery) VALUES ('to_bot', ?, ?, ?, ?, ?, 'pending')",
      message.body,
      Date.now(),
      message.isNew ? 1 : 0,
      message.last ? 1 : 0,
      message.dtmf ?? null,
    );
    this.announce(this.sql.exec<{ seq: number }>("SELECT last_insert_rowid() AS seq").one().seq);
    // The alarm is the durable guarantee; draining right away is only for latency.
    void this.ctx.storage.setAlarm(Date.now());
    this.ctx.waitUntil(this.drain());
  }

  /**
   * The alarm checks on the agent, then finishes only after a whole delivery pass that started after it fired, so it
   * stays set while any message it was set for is on the wire: if the process dies mid-delivery, the alarm runs again
   * after the restart (and a pass that throws makes the alarm fail, and be retried, too). Last, it is set again for
   * whatever is due next.
   */
  override async alarm(): Promise<void> {
    await this.checkAgent();
    await this.draining;
    await this.drain();
    await this.scheduleAlarm();
  }

  /** Sets the alarm for what is due next: the first pending message's next attempt, or the agent's deadline. */
  private async scheduleAlarm(): Promise<void> {
    const head = this.sql.exec<{ at: number }>("SELECT next_attempt_at AS at FROM messages WHERE delivery = 'pending' ORDER BY seq LIMIT 1").toArray()[0];
    const call = this.call();
    const agentDeadline = call?.state === "active" ? call.agent_deadline : null;
    const due = [head?.at, agentDeadline ?? undefined].filter((t): t is number => t !== undefined);
    // A message that has not been tried yet is due at 0: now.
    if (due.length > 0) await this.ctx.storage.setAlarm(Math.max(Math.min(...due), Date.now()));
  }

  /** Starts a delivery pass, or joins the one under way. */
  private drain(): Promise<void> {
    this.draining ??= this.deliverPending().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Delivers pending messages to the bot strictly in order; a message that is not due yet stops the queue. */
  private async deliverPending(): Promise<void> {
    for (;;) {
      const head = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE delivery = 'pending' ORDER BY seq LIMIT 1").toArray()[0];
      if (!head) return;
      if (head.next_attempt_at > Date.now()) return this.scheduleAlarm();
      await this.attempt(this.call()!, head);
    }
  }

  private async attempt(call: CallRow, message: MessageRow): Promise<void> {
    const target = await this.service(call).deliveryTarget();
    if (target === null) return this.settle(message, "failed", message.attempts, "the service no longer exists");
    if (target.kind === "test_chat") return this.settle(message, "test_chat", message.attempts, null);
    const refusal = botUrlRefusal(target.url, this.env);
    if (refusal) return this.settle(message, "failed", message.attempts, refusal);

    const payload: GatewayMessage = {
      from: call.from_number,
      to: call.to_number,
      body: message.body,
      conversation: call.conversation,
      // Read now, not when queued: the bot gets back its latest opaque value.
      opaque: this.call()!.opaque,
      new: flagString(message.is_new === 1),
      last: flagString(message.last === 1),
      ...(message.dtmf ? { dtmf: message.dtmf } : {}),
    };
    // The same key on every attempt of this message: a bot that answered too late to count can drop the retry.
    const idempotencyKey = `${call.conversation}:${message.seq}`;
    const verdict = judgeAttempt(await this.post(botUrlFor(target.url, call.conversation), target.token, payload, idempotencyKey));
    const attempts = message.attempts + 1;
    if (verdict.kind === "delivered") return this.settle(message, "delivered", attempts, null);
    const delay =
      verdict.kind === "retry" ? nextRetryDelay(attempts, parseRetryDelays(this.env.DELIVERY_RETRY_DELAYS_MS)) : undefined;
    if (delay === undefined) {
      this.settle(message, "failed", attempts, verdict.error);
      this.broadcast("agent", { type: "delivery_failed" });
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
    this.announce(message.seq);
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
        signal: AbortSignal.timeout(parseTimeout(this.env.BOT_TIMEOUT_MS)),
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

function logSocketFailure(error: unknown) {
  console.error("socket handler failed:", error instanceof Error ? error.message : String(error));
}

function send(ws: WebSocket, message: GatewayToAgent | GatewayToChat) {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // A socket that is closing misses the message; the transcript still has it.
  }
}

function toCallMessage(row: MessageRow): CallMessage {
  return {
    direction: row.direction,
    body: row.body,
    at: iso(row.at),
    last: row.last === 1,
    ...(row.spoken_text !== null ? { spokenText: row.spoken_text } : {}),
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

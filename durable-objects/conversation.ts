import { DurableObject } from "cloudflare:workers";
import type { BotNotice, GatewayToAgent, GatewayToChat } from "../protocol/bridge.ts";
import { type Call, type CallFailure, type EndReason, MAX_PIN_ATTEMPTS, type PinResult } from "../protocol/management.ts";
import type { BotMessage, SendReason } from "../protocol/messaging.ts";
import { parseMarkup } from "../protocol/markup.ts";
import { type Hints, encodeHints } from "../protocol/hints.ts";
import { sayCues } from "../protocol/say-cues.ts";
import { type ServiceSettings, settingsView, settingsWithDefaults } from "../protocol/service-settings.ts";
import { secretMatchesHash } from "../worker/secrets.ts";
import { type Env, serviceStub } from "./bindings.ts";
import type { DeliveryTarget, ServiceLink } from "./service-link.ts";
import { type AgentSocketHost, onAgentMessage } from "./conversation/agent-socket.ts";
import { AgentWatch } from "./conversation/agent-watch.ts";
import { type ChatSocketHost, onChatMessage } from "./conversation/chat-socket.ts";
import { DeliveryQueue } from "./conversation/delivery-queue.ts";
import { KeptServiceLink } from "./conversation/kept-service-link.ts";
import { limitDeadline } from "./conversation/limits.ts";
import { type CallRow, type CallStart, type StartResult, createSchema, iso, readCall } from "./conversation/schema.ts";
import { type Peer, Sockets, decodeJson, logSocketFailure, send } from "./conversation/sockets.ts";
import { Transcript, toCallMessage } from "./conversation/transcript.ts";
import { Transfers } from "./conversation/transfers.ts";
import { answeredTurns, callTurns, recordReplyArrival } from "./conversation/turns.ts";
import { CONVERSATION_HEADER, ROLE_HEADER, type SocketRole } from "./socket-roles.ts";
import { type OutboundCall, OutboundCalls } from "./conversation/outbound.ts";

declare module "./bindings.ts" {
  interface DurableObjectClasses {
    CONVERSATIONS: ConversationObject;
  }
}

/**
 * One call. It keeps the call's state, the bot's opaque value and the transcript, and delivers the caller's side
 * to the bot in order: messages to the bot wait in the `messages` table until delivered, retried with an alarm.
 * Whoever carries the caller (a simulated call over HTTP, the voice agent over its WebSocket) and whoever plays the
 * bot (the bot over the send API, the portal's test chat over its WebSocket) use the same methods.
 *
 * The parts live in durable-objects/conversation/: the tables (schema.ts), the transcript, the delivery queue to the
 * bot, the agent's and the test chat's socket protocols, the agent watch and the call's limits. This class is the
 * call's state machine.
 */
export class ConversationObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly sockets = new Sockets();
  /** The socket events handled so far: each new one is chained to it (see `inTurn`). */
  private socketEvents: Promise<void> = Promise.resolve();
  private readonly transcript: Transcript;
  private readonly serviceLinkKept: KeptServiceLink;
  private readonly delivery: DeliveryQueue;
  private readonly agentWatch: AgentWatch;
  private readonly agentSocket: AgentSocketHost;
  private readonly chatSocket: ChatSocketHost;
  private readonly transfers: Transfers;
  private readonly outboundCalls: OutboundCalls;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createSchema(this.sql);
    this.transcript = new Transcript(this.sql);
    this.serviceLinkKept = new KeptServiceLink(this.sql);
    this.delivery = new DeliveryQueue({
      ctx,
      env,
      sql: this.sql,
      call: () => this.call(),
      service: (call) => this.service(call),
      deliveryTarget: (call) => this.deliveryTarget(call),
      settings: () => this.settings(),
      accountId: () => this.serviceLinkKept.read()?.accountId ?? null,
      drained: () => this.forgetTargetOnceEnded(),
      announce: (seq) => this.announce(seq),
      tellAgent: (message) => this.broadcast("agent", message),
      botSays: async (reply) => void (await this.acceptBotMessage(reply)),
      scheduleAlarm: () => this.scheduleAlarm(),
    });
    this.transfers = new Transfers({
      sql: this.sql,
      delivery: this.delivery,
      settings: () => this.settings(),
      service: (call) => this.service(call),
      end: (call, reason) => this.end(call, reason),
    });
    this.agentWatch = new AgentWatch({
      env,
      sql: this.sql,
      call: () => this.call(),
      agentConnected: () => this.sockets.of("agent").length > 0,
      scheduleAlarm: () => this.scheduleAlarm(),
      agentLost: () => this.callerHangsUp("agent_lost"),
    });
    this.agentSocket = {
      env,
      sql: this.sql,
      sockets: this.sockets,
      transcript: this.transcript,
      agentWatch: this.agentWatch,
      call: () => this.call(),
      service: (call) => this.service(call),
      start: (input) => this.start(input),
      callerSays: (text, turn) => this.callerSays(text, turn),
      notifyBot: (event, turn) => this.notifyBot(event, turn),
      callerKeys: (digits) => this.callerKeys(digits),
      enterPin: (pin) => this.enterPin(pin),
      callerHangsUp: (reason) => this.callerHangsUp(reason),
      sayOf: (m) => {
        const hints = m.hints === null ? undefined : (JSON.parse(m.hints) as Hints);
        const control = this.transfers.controlOf({ body: m.body, hints, last: m.last === 1 });
        return { type: "say", id: m.seq, body: m.body, last: m.last === 1, ...control, ...sayCues(hints) };
      },
      transferEnded: async (to, outcome) => {
        const call = this.call();
        if (call) await this.transfers.ended(call, to, outcome);
      },
    };
    this.chatSocket = { call: () => this.call(), acceptBotMessage: (message) => this.acceptBotMessage(message) };
    this.outboundCalls = new OutboundCalls({
      ctx,
      env,
      sql: this.sql,
      call: () => this.call(),
      keepLink: (link) => this.serviceLinkKept.keep(link),
      recordBotMessage: (message) => this.recordBotMessage(message),
      enqueueForBot: (message) => this.delivery.enqueue(message),
      agentWatch: this.agentWatch,
      view: () => this.view(),
      end: (call, reason, failure) => this.end(call, reason, failure),
      broadcastChat: (message) => this.broadcast("chat", message),
      scheduleAlarm: () => this.scheduleAlarm(),
    });
  }

  private call(): CallRow | undefined {
    return readCall(this.sql);
  }

  private service(call: CallRow) {
    return serviceStub(this.env, call.service_id);
  }

  /** The service's link this call keeps; a call stored before calls kept one asks its service once. */
  private async serviceLink(call: CallRow): Promise<ServiceLink> {
    const kept = this.serviceLinkKept.read();
    if (kept) return kept;
    this.serviceLinkKept.keep(await this.service(call).link());
    return this.serviceLinkKept.read()!;
  }

  private async deliveryTarget(call: CallRow): Promise<DeliveryTarget | null> {
    return (await this.serviceLink(call)).target;
  }

  /** The service's settings as this call last heard of them (defaults for a call stored before links carried them). */
  settings(): ServiceSettings {
    return settingsWithDefaults(this.serviceLinkKept.read()?.settings);
  }

  /** The service changed (a new token, a reconfiguration): the call keeps the newest link. */
  serviceChanged(link: ServiceLink): void {
    this.serviceLinkKept.keep(link);
  }

  /** An ended call whose messages are all settled has nothing more for the bot: it does not keep the bot's URL and token. */
  private forgetTargetOnceEnded(): void {
    if (this.call()?.state === "ended") this.serviceLinkKept.forgetTarget();
  }

  // ---- the caller's side --------------------------------------------------------------------------------

  /** Answers a call: records it on the service and queues the bot's `new` message. */
  async start(input: CallStart): Promise<StartResult> {
    if (input.outbound) return this.agentAnswers(input);
    if (this.call()) return { ok: false, reason: "exists" };
    const startedAt = Date.now();
    const started = await serviceStub(this.env, input.serviceId).callStarted({
      conversation: input.conversation,
      from: input.from,
      ...(input.to !== undefined ? { to: input.to } : {}),
      startedAt,
    });
    if (!started) return { ok: false, reason: "service_not_found" };
    this.serviceLinkKept.keep(started.link);
    if (this.call()) return { ok: false, reason: "exists" };
    this.sql.exec(
      `INSERT INTO call (conversation, service_id, from_number, to_number, language, test_mode, state, started_at, room, ends_by, idle_ms)
       VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
      input.conversation,
      input.serviceId,
      input.from,
      started.to,
      started.language,
      started.demo ? 1 : 0,
      startedAt,
      input.room ?? null,
      started.endsBy,
      started.idleMs,
    );
    this.delivery.enqueue({ body: "", isNew: true });
    return {
      ok: true,
      call: this.view()!,
      language: started.language,
      testMode: started.demo,
      settings: settingsView(this.settings()),
      accountId: started.link.accountId ?? null,
    };
  }

  // ---- calls started by the bot (durable-objects/conversation/outbound.ts) ---------------------------------

  /** The bot starts this call (send API with `new`): it rings, on a simulated phone or through LiveKit. */
  placeOutbound(request: OutboundCall): Promise<SendReason> {
    return this.outboundCalls.place(request);
  }

  /** The simulated phone answers the call ringing here; false when none is ringing (or LiveKit dials it). */
  answerOutbound(): Promise<boolean> {
    return this.outboundCalls.simulatedAnswer();
  }

  /** Whether a call the bot started rings here on the simulated phone (which the local voice agent may answer). */
  ringsOnSimulatedPhone(): boolean {
    return this.outboundCalls.ringsOnSimulatedPhone();
  }

  /** The simulated phone declines the call ringing here (`call_failed`, SIP 603). */
  declineOutbound(): Promise<boolean> {
    return this.outboundCalls.simulatedDecline();
  }

  /** The voice agent carries the callee of a call the bot started: the call is answered, if it still rings. */
  private async agentAnswers(input: CallStart): Promise<StartResult> {
    const answered = await this.outboundCalls.agentAnswers(input);
    if (!answered) return { ok: false, reason: "service_not_found" };
    const call = this.call()!;
    return {
      ok: true,
      call: this.view()!,
      language: call.language,
      testMode: call.test_mode === 1,
      settings: settingsView(this.settings()),
      accountId: this.serviceLinkKept.read()?.accountId ?? null,
    };
  }

  serviceId(): string | null {
    return this.call()?.service_id ?? null;
  }

  /** What the caller said, for the bot. False when the call is over. */
  callerSays(text: string, turn?: number): boolean {
    if (this.call()?.state !== "active") return false;
    this.delivery.enqueue({ body: text, ...(turn !== undefined ? { hints: { turn } } : {}) });
    return true;
  }

  /** Something the bot asked to be told of (conversation settings, eager end of turn): an empty message with `hints.event` (and `hints.turn`). */
  notifyBot(event: BotNotice, turn?: number): void {
    if (this.call()?.state !== "active") return;
    this.delivery.enqueue({ body: "", hints: { event, ...(turn !== undefined ? { turn } : {}) } });
  }

  /** Keys the caller pressed, for the bot (in the message's `dtmf` field). */
  callerKeys(digits: string): boolean {
    if (this.call()?.state !== "active") return false;
    this.delivery.enqueue({ body: "", dtmf: digits });
    return true;
  }

  /** The caller hung up (or was lost): the bot gets `last`, and the call ends. False when there was no active call. */
  async callerHangsUp(reason: EndReason = "caller_hangup"): Promise<boolean> {
    const call = this.call();
    if (call?.state !== "active") return false;
    await this.hangUp(call, reason);
    return true;
  }

  /**
   * The call's service was deleted. A call under way ends: the agent hangs up on the caller and the bot gets `last`.
   * What is still waiting for the bot is delivered to `target`, captured before the service's configuration was erased;
   * no token is taken any more. Nothing can follow a deletion, so this link is the last the call keeps.
   */
  async serviceDeleted(target: DeliveryTarget): Promise<void> {
    const call = this.call();
    if (!call || (call.state === "ended" && this.delivery.nextAttemptAt() === undefined)) return;
    const { settings } = this.serviceLinkKept.read() ?? {};
    this.serviceLinkKept.keep({ version: Number.MAX_SAFE_INTEGER, tokenHash: "", target, ...(settings ? { settings } : {}) });
    if (call.state !== "ended") await this.hangUp(call, "service_deleted");
  }

  /** Ends the call from the gateway's side: the bot gets `last` (and the agent `ended`, from `end`). */
  private async hangUp(call: CallRow, reason: EndReason): Promise<void> {
    // The agent ended the call for silence or a silent bot (conversation settings): the bot's `last` says which.
    const event = reason === "silence_timeout" || reason === "bot_not_responding" ? reason : undefined;
    this.delivery.enqueue({ body: "", last: true, ...(event ? { hints: { event } } : {}) });
    await this.end(call, reason);
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

  /**
   * A message from the bot through the send API. Null when this call cannot authenticate it (no active call here,
   * or not the current token of its service): the Worker then tells `authorization fail` from
   * `conversation not found` without revealing whether the call exists.
   */
  async receiveFromBot(token: string, message: BotMessage, arrivedAt?: number): Promise<SendReason | null> {
    const call = this.call();
    if (call?.state !== "active" && call?.state !== "ringing") return null;
    const { tokenHash } = await this.serviceLink(call);
    if (tokenHash === "" || !(await secretMatchesHash(token, tokenHash))) return null;
    if (message.new) return "start not allowed";
    return this.acceptBotMessage(message, arrivedAt);
  }

  private async acceptBotMessage(
    received: { body: string; last: boolean; opaque?: string | undefined; hints?: Hints | undefined },
    arrivedAt?: number,
  ): Promise<SendReason> {
    // Read again: other requests may have run while the token was checked.
    const call = this.call();
    // A call the bot started takes its messages while it rings too: they are spoken once it is answered.
    if (call?.state !== "active" && call?.state !== "ringing") return "conversation not found";
    // `<hangup/>` in the body (docs/api.md, "Call control markup") ends the call as `last` does.
    const message = { ...received, last: received.last || parseMarkup(received.body).hangup };
    if (!message.last && message.body.trim() === "") return "rejected";
    // Transfers and keys asked for by hints, markup or the service's rules (docs/api.md, "Call control").
    const control = this.transfers.controlOf(message);
    const seq = this.recordBotMessage(message);
    if (arrivedAt !== undefined) recordReplyArrival(this.sql, seq, arrivedAt);
    this.broadcast("agent", { type: "say", id: seq, body: message.body, last: message.last, ...control, ...sayCues(message.hints) });
    this.announce(seq);
    if (message.last) await this.end(call, "bot_hangup");
    else await this.transfers.afterMessage(call, control);
    return "delivered";
  }

  /** Records a message from the bot on the transcript (and its opaque value); its sequence number. */
  private recordBotMessage(message: { body: string; last: boolean; opaque?: string | undefined; hints?: Hints | undefined }): number {
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO messages (direction, body, at, last, hints) VALUES ('from_bot', ?, ?, ?, ?)",
        message.body,
        Date.now(),
        message.last ? 1 : 0,
        message.hints ? encodeHints(message.hints) : null,
      );
      if (message.opaque !== undefined) this.sql.exec("UPDATE call SET opaque = ?", message.opaque);
      return this.sql.exec<{ seq: number }>("SELECT last_insert_rowid() AS seq").one().seq;
    });
  }

  // ---- views ----------------------------------------------------------------------------------------------

  view(): Call | null {
    const call = this.call();
    if (!call) return null;
    const rows = this.transcript.all();
    const messages = rows.map(toCallMessage);
    return {
      conversation: call.conversation,
      serviceId: call.service_id,
      from: call.from_number,
      to: call.to_number,
      state: call.state,
      direction: call.direction,
      failure: call.sip_status === null ? null : { sipStatus: call.sip_status, reason: call.failure_reason ?? "" },
      startedAt: iso(call.started_at),
      endedAt: call.ended_at === null ? null : iso(call.ended_at),
      endReason: call.end_reason,
      failedDeliveries: messages.filter((m) => m.delivery === "failed").length,
      room: call.room,
      transfer: call.transfer_to !== null && call.transfer_result !== null ? { to: call.transfer_to, result: call.transfer_result } : null,
      messages,
      turns: callTurns(this.sql, rows),
    };
  }

  private async end(call: CallRow, reason: EndReason, failure?: CallFailure) {
    const endedAt = Date.now();
    this.outboundCalls.cancelDial(call);
    this.sql.exec(
      "UPDATE call SET state = 'ended', ended_at = ?, end_reason = ?, rings_until = NULL, sip_status = ?, failure_reason = ?",
      endedAt,
      reason,
      failure?.sipStatus ?? null,
      failure?.reason ?? null,
    );
    if (this.delivery.nextAttemptAt() === undefined) this.forgetTargetOnceEnded();
    this.broadcast("chat", { type: "ended", reason });
    // The agent learns of the bot's end from `say … last`, so it can finish speaking first.
    if (reason !== "bot_hangup") this.broadcast("agent", { type: "ended", reason });
    if (failure) await this.service(call).outboundFailed(call.conversation, endedAt, failure);
    else await this.service(call).callEnded(call.conversation, endedAt, reason);
    // A call without an agent measures nothing after the bot's reply: its answered turns are done, told in one message
    // (not one per reply: a bot's message costs no round trip to the service).
    if (call.agent_deadline === null) {
      const turns = answeredTurns(this.sql, this.transcript.all(), call.conversation);
      if (turns.length > 0) this.ctx.waitUntil(this.service(call).turnsDone(turns).catch(() => undefined));
    }
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
    this.sockets.add(server, peer);
    server.addEventListener("message", (event) => this.inTurn(() => this.onSocketMessage(server, peer, event.data)));
    server.addEventListener("close", () => this.inTurn(() => this.onSocketClose(server, peer)));
    server.addEventListener("error", () => this.inTurn(() => this.onSocketClose(server, peer)));
    if (role === "chat") {
      const call = this.view();
      send(server, call ? { type: "snapshot", call } : { type: "error", message: "call not found" });
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Queues a socket event behind those that came before it, on any of the call's sockets. The handlers await other
   * objects (the directory, the service): without the queue, a key pressed right behind `start` was handled while
   * `start` still waited, and was refused as `not_started`.
   */
  private inTurn(handle: () => Promise<void>): void {
    this.socketEvents = this.socketEvents.then(handle).catch(logSocketFailure);
  }

  private async onSocketMessage(ws: WebSocket, { role, conversation }: Peer, data: string | ArrayBuffer): Promise<void> {
    const json = decodeJson(data);
    if (role === "agent") return onAgentMessage(this.agentSocket, ws, conversation, json);
    return onChatMessage(this.chatSocket, ws, json);
  }

  private async onSocketClose(ws: WebSocket, peer: Peer): Promise<void> {
    // `close` and `error` can both come: only the first one counts (and a superseded socket is already gone).
    if (!this.sockets.delete(ws)) return;
    if (peer.role !== "agent" || this.sockets.of("agent").length > 0 || this.call()?.state !== "active") return;
    await this.agentWatch.grace();
  }

  private broadcast(role: SocketRole, message: GatewayToAgent | GatewayToChat) {
    this.sockets.broadcast(role, message);
  }

  /** Shows the test chat a new or changed message. */
  private announce(seq: number) {
    if (this.sockets.of("chat").length === 0) return;
    const row = this.transcript.message(seq);
    if (row) this.broadcast("chat", { type: "message", message: toCallMessage(row) });
  }

  // ---- the alarm ------------------------------------------------------------------------------------------

  /**
   * The alarm checks on the agent and the call's limits, then finishes only after a whole delivery pass that started after it fired, so it
   * stays set while any message it was set for is on the wire: if the process dies mid-delivery, the alarm runs again
   * after the restart (and a pass that throws makes the alarm fail, and be retried, too). Last, it is set again for
   * whatever is due next.
   */
  override async alarm(): Promise<void> {
    await this.agentWatch.check();
    await this.outboundCalls.checkRinging();
    await this.checkLimits();
    await this.delivery.passUnderWay();
    await this.delivery.drain();
    await this.scheduleAlarm();
  }

  /** Ends an active call that has reached its maximum duration or, with no agent, its idle timeout. */
  private async checkLimits(): Promise<void> {
    const call = this.call();
    if (call?.state !== "active") return;
    const limit = this.limit(call);
    if (limit.at <= Date.now()) await this.hangUp(call, limit.reason);
  }

  private limit(call: CallRow) {
    return limitDeadline(call, this.transcript.lastMessageAt() ?? call.started_at);
  }

  /**
   * Sets the alarm for what is due next: the first pending message's next attempt and, while the call is active, the
   * agent's deadline and the call's limits.
   */
  private async scheduleAlarm(): Promise<void> {
    const call = this.call();
    const active = call?.state === "active" ? call : undefined;
    const due = [
      this.delivery.nextAttemptAt(),
      active?.agent_deadline ?? undefined,
      active && this.limit(active).at,
      call?.state === "ringing" ? (call.rings_until ?? undefined) : undefined,
    ].filter((t): t is number => t !== undefined);
    // A message that has not been tried yet, with no pass under way to deliver it, is due at 0: now.
    if (due.length > 0) await this.ctx.storage.setAlarm(Math.max(Math.min(...due), Date.now()));
  }
}

import type { GatewayToChat } from "../../protocol/bridge.ts";
import type { Hints } from "../../protocol/hints.ts";
import type { Call, CallFailure, EndReason } from "../../protocol/management.ts";
import type { SendReason } from "../../protocol/messaging.ts";
import { liveKitConfig } from "../../worker/livekit/config.ts";
import { callFailureFrom, dialOutbound, removeOutboundRoom } from "../../worker/livekit/dial.ts";
import { type Env, serviceStub } from "../bindings.ts";
import { parseTimeout } from "../delivery-policy.ts";
import type { ServiceLink } from "../service-link.ts";
import type { AgentWatch } from "./agent-watch.ts";
import type { CallRow, CallStart } from "./schema.ts";

/** What the bot sent to start a call: its own id, whom to call, from which of the service's numbers, what to say. */
export interface OutboundCall {
  conversation: string;
  serviceId: string;
  to: string | undefined;
  from: string | undefined;
  body: string;
  last: boolean;
  opaque: string | undefined;
  /** The bot's hints on its start, kept on the call record with the body. */
  hints: Hints | undefined;
}

/** How long a call the bot started rings before it fails as `no answer` (OUTBOUND_RING_TIMEOUT_MS). */
export const DEFAULT_RING_TIMEOUT_MS = 30_000;

export const NO_ANSWER: CallFailure = { sipStatus: 480, reason: "no answer" };
export const DECLINED: CallFailure = { sipStatus: 603, reason: "declined" };

/** The `hints` the bot gets with `last` when its call was not connected. */
export const callFailedHints = (failure: CallFailure): Hints => ({ telephony: { event: "call_failed", ...failure } });

export interface OutboundHost {
  ctx: DurableObjectState;
  env: Env;
  sql: SqlStorage;
  call(): CallRow | undefined;
  keepLink(link: ServiceLink): void;
  recordBotMessage(message: { body: string; last: boolean; opaque?: string | undefined; hints?: Hints | undefined }): number;
  enqueueForBot(message: { body: string; last?: boolean; hints?: Hints }): void;
  agentWatch: AgentWatch;
  view(): Call | null;
  end(call: CallRow, reason: EndReason, failure?: CallFailure): Promise<void>;
  broadcastChat(message: GatewayToChat): void;
  scheduleAlarm(): Promise<void>;
}

/**
 * A call the bot started (docs/api.md, "Calls started by the bot"): it rings until the callee answers, declines or
 * does not answer in time. With LiveKit configured it is dialed on the service's outbound trunk (worker/livekit/
 * dial.ts); without, a simulated phone rings, answered or declined over the management API or by the local voice
 * agent. A call that is not connected ends as `call_failed`, and the bot gets `last` with
 * `hints.telephony {event: "call_failed", sipStatus, reason}`.
 */
export class OutboundCalls {
  constructor(private readonly host: OutboundHost) {}

  private ringMs(): number {
    return parseTimeout(this.host.env.OUTBOUND_RING_TIMEOUT_MS, DEFAULT_RING_TIMEOUT_MS);
  }

  async place(request: OutboundCall): Promise<SendReason> {
    const { env, sql } = this.host;
    const placedAt = Date.now();
    const ringMs = this.ringMs();
    const service = serviceStub(env, request.serviceId);
    const existed = this.host.call() !== undefined;
    const admitted = await service.outboundRequested({
      conversation: request.conversation,
      to: request.to,
      from: request.from,
      speaks: !request.last && request.body.trim() !== "",
      placedAt,
      ringMs,
    });
    if (!admitted.ok) return admitted.reason;
    // Ids are one namespace: an id another service's call (or a call of this one, gone from its list) has is taken.
    if (existed || this.host.call()) {
      await service.outboundWithdrawn(request.conversation);
      return "rejected";
    }
    const live = liveKitConfigOrNull(env);
    this.host.keepLink(admitted.link);
    sql.exec(
      `INSERT INTO call (conversation, service_id, from_number, to_number, language, test_mode, state, started_at, ends_by, idle_ms,
         direction, rings_until, dialed)
       VALUES (?, ?, ?, ?, ?, ?, 'ringing', ?, ?, 0, 'outbound', ?, ?)`,
      request.conversation,
      request.serviceId,
      admitted.from,
      admitted.to,
      admitted.language,
      admitted.demo ? 1 : 0,
      placedAt,
      placedAt + ringMs,
      placedAt + ringMs,
      live ? 1 : 0,
    );
    // What the callee hears once they answer.
    this.host.recordBotMessage({ body: request.body, last: false, opaque: request.opaque, hints: request.hints });
    if (live) {
      if (admitted.outboundTrunkId) this.host.ctx.waitUntil(this.dial(live, admitted.outboundTrunkId, ringMs));
      // The trunk is provisioned with the settings (the service shows a failure): until then calls fail at once.
      else this.host.ctx.waitUntil(this.fail({ sipStatus: 503, reason: "no outbound trunk provisioned" }));
    }
    await this.host.scheduleAlarm();
    return "delivered";
  }

  /** LiveKit dials; an answer is the agent's to take (`start` with `outbound`), a failure ends the call. */
  private async dial(config: NonNullable<ReturnType<typeof liveKitConfigOrNull>>, trunkId: string, ringMs: number): Promise<void> {
    const call = this.host.call()!;
    try {
      const { room } = await dialOutbound(config, {
        conversation: call.conversation,
        serviceId: call.service_id,
        to: call.to_number,
        from: call.from_number,
        trunkId,
        ringingTimeoutSeconds: Math.ceil(ringMs / 1000),
      });
      this.host.sql.exec("UPDATE call SET room = ?", room);
      if (this.host.call()?.state === "ringing") await this.answer(room);
      // The agent was dispatched to the room: if it never opens its socket, the call ends as `agent_lost`.
      await this.host.agentWatch.watch();
    } catch (error) {
      await this.fail(callFailureFrom(error));
      await removeOutboundRoom(config, call.conversation).catch(() => undefined);
    }
  }

  /** The callee answered: the call is under way, counted and limited like any other from now on. */
  private async answer(room?: string): Promise<boolean> {
    const call = this.host.call();
    if (call?.state !== "ringing") return false;
    const answeredAt = Date.now();
    const limits = await serviceStub(this.host.env, call.service_id).outboundAnswered(call.conversation, answeredAt);
    if (!limits || this.host.call()?.state !== "ringing") return false;
    this.host.sql.exec(
      "UPDATE call SET state = 'active', started_at = ?, ends_by = ?, idle_ms = ?, rings_until = NULL, room = coalesce(?, room)",
      answeredAt,
      limits.endsBy,
      limits.idleMs,
      room ?? null,
    );
    const view = this.host.view();
    if (view) this.host.broadcastChat({ type: "snapshot", call: view });
    await this.host.scheduleAlarm();
    return true;
  }

  /** The call was not connected: it ends as `call_failed` and the bot gets `last` with SIP's answer in `hints`. */
  async fail(failure: CallFailure): Promise<boolean> {
    const call = this.host.call();
    if (call?.state !== "ringing") return false;
    this.host.enqueueForBot({ body: "", last: true, hints: callFailedHints(failure) });
    await this.host.end(call, "call_failed", failure);
    return true;
  }

  /** Whether the call rings on the simulated phone (not dialed through LiveKit): the local voice agent may answer it. */
  ringsOnSimulatedPhone(): boolean {
    const call = this.host.call();
    return call?.state === "ringing" && call.dialed === 0;
  }

  simulatedAnswer(): Promise<boolean> {
    const call = this.host.call();
    return call?.dialed === 0 ? this.answer() : Promise.resolve(false);
  }

  simulatedDecline(): Promise<boolean> {
    const call = this.host.call();
    return call?.dialed === 0 ? this.fail(DECLINED) : Promise.resolve(false);
  }

  /** The voice agent takes the callee's side of a call the bot started (answering it if it still rings). */
  async agentAnswers(input: CallStart): Promise<boolean> {
    const call = this.host.call();
    if (call?.direction !== "outbound" || call.service_id !== input.serviceId || call.state === "ended") return false;
    if (call.state === "ringing" && !(await this.answer(input.room))) return false;
    return true;
  }

  /**
   * A call LiveKit is dialing ended before the answer (the bot's `last`, the service deleted, no answer in time):
   * deleting its room makes LiveKit cancel the dial.
   */
  cancelDial(call: CallRow): void {
    const config = call.dialed === 1 && call.state === "ringing" ? liveKitConfigOrNull(this.host.env) : null;
    if (config) this.host.ctx.waitUntil(removeOutboundRoom(config, call.conversation).catch(() => undefined));
  }

  /** At the alarm: a call that has rung too long fails as `no answer`. */
  async checkRinging(): Promise<void> {
    const call = this.host.call();
    if (call?.state === "ringing" && call.rings_until !== null && call.rings_until <= Date.now()) await this.fail(NO_ANSWER);
  }
}

/** The LiveKit configuration, or null without LiveKit (or with a malformed one, which provisioning reports). */
function liveKitConfigOrNull(env: Env) {
  try {
    return liveKitConfig(env);
  } catch {
    return null;
  }
}

import { log } from "@livekit/agents";
import { RoomEvent } from "@livekit/rtc-node";
import { rfc4733Code } from "../protocol/markup.ts";
import { CallSession, type CallOptions, type CallStart } from "./call.ts";
import { type RoomService, deleteCallRoom } from "./livekit-hangup.ts";
import { type SipService, transferCaller } from "./livekit-transfer.ts";
import { type AttributesListener, calleeAnswered, outboundCall } from "./livekit-outbound.ts";

/** The caller's participant, as far as the call needs it. */
export interface CallerParticipant {
  readonly identity: string;
  readonly attributes: Record<string, string>;
}

type DtmfListener = (code: number, digit: string, participant: { identity: string }) => void;
type ParticipantListener = (participant: { identity: string }) => void;

/**
 * What the call uses of @livekit/rtc-node's `Room`: its name and two of its events (an EventEmitter stands in for it
 * in tests, emitting the same event names).
 */
export interface CallRoom {
  readonly name: string | undefined;
  on(event: RoomEvent.DtmfReceived, listener: DtmfListener): unknown;
  on(event: RoomEvent.ParticipantDisconnected, listener: ParticipantListener): unknown;
  off(event: RoomEvent.DtmfReceived, listener: DtmfListener): unknown;
  off(event: RoomEvent.ParticipantDisconnected, listener: ParticipantListener): unknown;
  /** A call the bot started waits for the callee's answer (agent/livekit-outbound.ts). */
  on(event: RoomEvent.ParticipantAttributesChanged, listener: AttributesListener): unknown;
  off(event: RoomEvent.ParticipantAttributesChanged, listener: AttributesListener): unknown;
  /** The agent's own participant, which sends the bot's keys (absent before the room is joined). */
  readonly localParticipant?: { publishDtmf(code: number, digit: string): Promise<void> } | undefined;
}

/** What the call uses of @livekit/agents' `JobContext`, once connected to the room. */
export interface CallJob {
  readonly room: CallRoom;
  readonly job: { readonly metadata: string };
  waitForParticipant(): Promise<CallerParticipant>;
  shutdown(reason?: string): void;
  addShutdownCallback(callback: () => Promise<void>): void;
}

export interface LiveKitCallDeps {
  /** LiveKit's server API (agent/livekit-hangup.ts `roomServiceFor`), to end the call for the caller. */
  roomService: RoomService;
  /** LiveKit's SIP API (agent/livekit-transfer.ts `sipServiceFor`), to transfer the caller. */
  sipService: SipService;
  /**
   * Everything the call's `CallSession` needs but what the job decides: its start and its hang-up, and no
   * conversation id (each call gets a random one: the room name of a phone call carries the caller's number).
   */
  call: Omit<CallOptions, "conversation" | "start" | "hangUp" | "sendDtmf" | "transfer">;
}

/**
 * What the call's `start` message says, from the participant (SIP attributes) or the job metadata (browser), with
 * the room's name for the call record.
 */
export function callStartFrom(participant: CallerParticipant, metadata: string, roomName: string | undefined): CallStart {
  const room = roomName?.slice(0, 128); // what `start` accepts: a longer name must not keep the call from starting
  const attrs = participant.attributes ?? {};
  if (attrs["sip.phoneNumber"] || attrs["sip.trunkPhoneNumber"]) {
    return { from: attrs["sip.phoneNumber"] || "anonymous", to: attrs["sip.trunkPhoneNumber"] || undefined, transport: "sip", room };
  }
  const meta = metadata ? (JSON.parse(metadata) as { serviceId?: string; from?: string }) : {};
  return { from: meta.from ?? participant.identity, serviceId: meta.serviceId, transport: "browser", room };
}

/**
 * One LiveKit job's call, once the agent is in the room: waits for the caller, runs the call with keys (DTMF) from
 * the caller only, and ends it when the caller leaves or the job shuts down. However the call ends, the room is
 * deleted (which hangs up the caller's line: otherwise the caller would stay on hearing silence), then the job shuts
 * down. Resolves with the call's end reason once that is done.
 */
export async function runLiveKitCall(job: CallJob, deps: LiveKitCallDeps): Promise<string> {
  const caller = await job.waitForParticipant();
  // A call the bot started: the participant is the callee, who must answer before the bot's body is spoken.
  const outbound = outboundCall(job.job.metadata, job.room.name);
  if (outbound) await calleeAnswered(job.room, caller);
  let hangingUp: Promise<void> | undefined;
  const hangUp = async (reason: string) => {
    const room = job.room.name;
    try {
      if (!room) throw new Error("the room has no name");
      await deleteCallRoom(deps.roomService, room);
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      // Not the room's name: a phone call's carries the caller's number (the call record has it).
      log().error({ ...call.logIds, reason, cause }, "could not delete the call's room: the caller may still be on the line");
    }
    job.shutdown(reason);
  };
  const start = outbound?.start ?? callStartFrom(caller, job.job.metadata, job.room.name);
  const call = new CallSession({
    ...deps.call,
    ...(outbound ? { conversation: outbound.conversation } : {}),
    start,
    hangUp: (reason) => void (hangingUp = hangUp(reason)),
    // The bot's `<dtmf digits>` as RFC 4733 events in the room (SIP sends them on to the caller's line). No LiveKit
    // server here: this line has not been run, only typechecked against @livekit/rtc-node.
    sendDtmf: (digit) => job.room.localParticipant?.publishDtmf(rfc4733Code(digit), digit),
    // A cold transfer of the caller's line (SIP REFER through LiveKit); a browser caller cannot be transferred.
    transfer: async (to, timeoutMs) => {
      const room = job.room.name;
      if (!room || start.transport !== "sip") return { result: "failed" };
      const outcome = await transferCaller(deps.sipService, { room, identity: caller.identity }, to, timeoutMs);
      if (outcome.result !== "transferred") log().warn({ conversation: call.conversation, ...outcome }, "transfer failed");
      return outcome;
    },
  });
  const onDtmf: DtmfListener = (_code, digit, from) => {
    if (from.identity === caller.identity) call.dtmf(digit);
  };
  const onLeft: ParticipantListener = (participant) => {
    if (participant.identity === caller.identity) void call.callerHangsUp();
  };
  job.room.on(RoomEvent.DtmfReceived, onDtmf);
  job.room.on(RoomEvent.ParticipantDisconnected, onLeft);
  job.addShutdownCallback(async () => {
    await call.callerHangsUp();
    await hangingUp;
  });
  const reason = await call.done;
  job.room.off(RoomEvent.DtmfReceived, onDtmf);
  job.room.off(RoomEvent.ParticipantDisconnected, onLeft);
  await hangingUp;
  return reason;
}

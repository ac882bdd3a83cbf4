import { RoomEvent } from "@livekit/rtc-node";
import { outboundJobMetadata } from "../protocol/livekit.ts";
import type { CallStart } from "./call.ts";

/** LiveKit's SIP participant attribute with the call's state; the callee has answered at "active". */
export const SIP_CALL_STATUS = "sip.callStatus";

export type AttributesListener = (changed: Record<string, string>, participant: { identity: string; attributes: Record<string, string> }) => void;

/** What waiting for the callee uses of @livekit/rtc-node's `Room` (an EventEmitter stands in for it in tests). */
export interface AnsweringRoom {
  on(event: RoomEvent.ParticipantAttributesChanged, listener: AttributesListener): unknown;
  off(event: RoomEvent.ParticipantAttributesChanged, listener: AttributesListener): unknown;
}

/**
 * A job for a call the bot started (worker/livekit/dial.ts): the call's id and its `start` as the callee's side,
 * or null for any other job.
 */
export function outboundCall(metadata: string, roomName: string | undefined): { conversation: string; start: CallStart } | null {
  const job = outboundJobMetadata(metadata);
  if (!job) return null;
  return {
    conversation: job.conversation,
    start: { from: job.to, serviceId: job.serviceId, transport: "sip", outbound: true, ...(roomName ? { room: roomName.slice(0, 128) } : {}) },
  };
}

/**
 * Resolves once the callee has answered: LiveKit adds the SIP participant to the room while it dials and rings, and
 * sets its `sip.callStatus` to "active" on the answer. Until then the bot's body must not be spoken.
 */
export function calleeAnswered(room: AnsweringRoom, callee: { identity: string; attributes: Record<string, string> }): Promise<void> {
  if (callee.attributes?.[SIP_CALL_STATUS] === "active") return Promise.resolve();
  return new Promise((resolve) => {
    const onChanged: AttributesListener = (_changed, participant) => {
      if (participant.identity !== callee.identity || participant.attributes?.[SIP_CALL_STATUS] !== "active") return;
      room.off(RoomEvent.ParticipantAttributesChanged, onChanged);
      resolve();
    };
    room.on(RoomEvent.ParticipantAttributesChanged, onChanged);
  });
}

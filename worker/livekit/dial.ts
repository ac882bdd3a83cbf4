/**
 * Places a call the bot started through LiveKit: a new room with our agent dispatched to it (RoomConfiguration's
 * agents, set when the room is created), then `CreateSIPParticipant` dials the callee on the service's outbound
 * trunk into that room and returns once the callee answers, or fails with SIP's answer (486 busy, 480, 603…).
 */
import { RoomAgentDispatch, RoomServiceClient, ServerError, SipCallError, SipClient } from "livekit-server-sdk";
import type { CallFailure } from "../../protocol/management.ts";
import type { OutboundJobMetadata } from "../../protocol/livekit.ts";
import type { LiveKitConfig } from "./config.ts";

/** Rooms of calls the bot started. */
export const OUTBOUND_ROOM_PREFIX = "outbound-";
/** The callee's identity in the room; the agent waits for it. */
export const CALLEE_IDENTITY_PREFIX = "callee-";


export interface OutboundDial {
  conversation: string;
  serviceId: string;
  to: string;
  from: string;
  trunkId: string;
  ringingTimeoutSeconds: number;
}

export const outboundRoom = (conversation: string) => `${OUTBOUND_ROOM_PREFIX}${conversation}`;

/** SIP's answer to a call that was not connected, from LiveKit's error (a failure before dialing is a 503). */
export function callFailureFrom(error: unknown): CallFailure {
  if (error instanceof SipCallError && error.sipStatusCode !== undefined) {
    return { sipStatus: error.sipStatusCode, reason: error.sipStatus ?? `SIP ${error.sipStatusCode}` };
  }
  const message = error instanceof ServerError || error instanceof Error ? error.message : String(error);
  return { sipStatus: 503, reason: `LiveKit: ${message}`.slice(0, 300) };
}

/** Dials; resolves when the callee has answered, throws (see `callFailureFrom`) when the call was not connected. */
export async function dialOutbound(config: LiveKitConfig, dial: OutboundDial): Promise<{ room: string }> {
  const room = outboundRoom(dial.conversation);
  const metadata: OutboundJobMetadata = { serviceId: dial.serviceId, conversation: dial.conversation, outbound: true, from: dial.from, to: dial.to };
  await new RoomServiceClient(config.apiUrl, config.apiKey, config.apiSecret).createRoom({
    name: room,
    emptyTimeout: dial.ringingTimeoutSeconds + 30,
    agents: [new RoomAgentDispatch({ agentName: config.agentName, metadata: JSON.stringify(metadata) })],
  });
  await new SipClient(config.apiUrl, config.apiKey, config.apiSecret).createSipParticipant(dial.trunkId, dial.to, room, {
    fromNumber: dial.from,
    participantIdentity: `${CALLEE_IDENTITY_PREFIX}${dial.conversation}`,
    ringingTimeout: dial.ringingTimeoutSeconds,
    waitUntilAnswered: true,
    timeout: dial.ringingTimeoutSeconds + 15,
  });
  return { room };
}

/** Removes the room of a call that was not connected (the agent may already be in it). */
export async function removeOutboundRoom(config: LiveKitConfig, conversation: string): Promise<void> {
  await new RoomServiceClient(config.apiUrl, config.apiKey, config.apiSecret).deleteRoom(outboundRoom(conversation));
}

import { SipCallError, SipClient } from "livekit-server-sdk";
import { liveKitApiUrl } from "../protocol/livekit.ts";
import { type TransferOutcome, referToUri, sipFailure } from "../protocol/transfer.ts";
import type { LiveKitServer } from "./livekit-hangup.ts";

/** What the agent uses of LiveKit's SIP API: a cold transfer (SIP REFER) of the caller's participant. */
export type SipService = Pick<SipClient, "transferSipParticipant">;

/** LiveKit's SIP API for the server a job came from, signed with the key the worker registered with. */
export function sipServiceFor(server: LiveKitServer): SipService {
  if (!server.apiKey || !server.apiSecret) throw new Error("transferring LiveKit calls needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  return new SipClient(liveKitApiUrl(server.url), server.apiKey, server.apiSecret);
}

/**
 * Transfers the SIP caller (`identity` in `room`) to `to` with a REFER, dial tone while it rings, ringing at most
 * `timeoutMs` (LiveKit's default when absent). LiveKit answers once the destination has answered or failed: a SIP
 * failure (486 busy, 603 declined, 408/480/487 not answered) comes back as a SipCallError with its status; any other
 * error (the trunk refused the REFER, LiveKit failed) is `failed`. Never throws: the call goes on after a failure.
 */
export async function transferCaller(
  sip: SipService,
  call: { room: string; identity: string },
  to: string,
  timeoutMs: number | undefined,
): Promise<TransferOutcome> {
  try {
    await sip.transferSipParticipant(call.room, call.identity, referToUri(to), {
      playDialtone: true,
      ...(timeoutMs !== undefined ? { ringingTimeout: Math.max(1, Math.ceil(timeoutMs / 1000)) } : {}),
    });
    return { result: "transferred" };
  } catch (error) {
    const sipStatus = error instanceof SipCallError ? error.sipStatusCode : undefined;
    return sipStatus !== undefined && Number.isInteger(sipStatus) ? { result: sipFailure(sipStatus), sipStatus } : { result: "failed" };
  }
}

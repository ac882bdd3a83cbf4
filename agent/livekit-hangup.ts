import { RoomServiceClient, ServerError } from "livekit-server-sdk";
import { liveKitApiUrl } from "../protocol/livekit.ts";

/** What the agent uses of LiveKit's server API: ending a call's room. */
export type RoomService = Pick<RoomServiceClient, "deleteRoom">;

/** Where a job's LiveKit server is and the worker's key for it (`JobContext.info`: `url`, `apiKey`, `apiSecret`). */
export interface LiveKitServer {
  url: string;
  apiKey?: string;
  apiSecret?: string;
}

/** LiveKit's server API for the server a job came from, signed with the key the worker registered with. */
export function roomServiceFor(server: LiveKitServer): RoomService {
  if (!server.apiKey || !server.apiSecret) throw new Error("hanging up LiveKit calls needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  return new RoomServiceClient(liveKitApiUrl(server.url), server.apiKey, server.apiSecret);
}

/** Waits before trying again after LiveKit failed (5xx or no answer): a caller must not be left in silence. */
const RETRY_DELAYS_MS: readonly number[] = [250, 1000];

/**
 * Deletes a call's room, which disconnects everyone in it: LiveKit hangs up the SIP caller's line. A room that is
 * already gone (404) counts as done; LiveKit's refusals (other 4xx) are not tried again.
 */
export async function deleteCallRoom(service: RoomService, room: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await service.deleteRoom(room);
      return;
    } catch (error) {
      if (error instanceof ServerError && error.status === 404) return;
      const wait = RETRY_DELAYS_MS[attempt];
      if (wait === undefined || (error instanceof ServerError && error.status < 500)) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

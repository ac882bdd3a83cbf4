/**
 * LiveKit's server API (Twirp over HTTP) is served at the address clients connect to over WebSocket: `wss://host`
 * → `https://host`, `ws://host` → `http://host`. Used by the Worker (provisioning, dispatch) and the agent (hang-up).
 */
export function liveKitApiUrl(url: string): string {
  return url.replace(/^ws/, "http");
}

/**
 * The job metadata of a call the bot started (worker/livekit/dial.ts creates the room with the agent dispatched to
 * it; agent/livekit-outbound.ts reads it): the agent joins that call, under the bot's id, as the callee's side.
 */
export interface OutboundJobMetadata {
  serviceId: string;
  conversation: string;
  outbound: true;
  from: string;
  to: string;
}

/** The outbound job's metadata, or null for any other job (an inbound phone call, a browser call). */
export function outboundJobMetadata(metadata: string): OutboundJobMetadata | null {
  try {
    const value = JSON.parse(metadata) as Partial<OutboundJobMetadata> | null;
    const fields = [value?.serviceId, value?.conversation, value?.from, value?.to];
    return value?.outbound === true && fields.every((f) => typeof f === "string" && f !== "") ? (value as OutboundJobMetadata) : null;
  } catch {
    return null;
  }
}

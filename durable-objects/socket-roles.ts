/**
 * How the Worker tells a call's Conversation object who an authenticated WebSocket upgrade is from: headers it sets
 * on the request it forwards (worker/routes/agent-bridge.ts), never taken from the client.
 */

/** Who is on the other end of a WebSocket: the voice agent carrying the caller, or the portal's test chat. */
export type SocketRole = "agent" | "chat";
export const ROLE_HEADER = "x-pmb-socket-role";
export const CONVERSATION_HEADER = "x-pmb-conversation";

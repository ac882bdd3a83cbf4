import WebSocket, { type ClientOptions } from "ws";

/**
 * A client WebSocket without permessage-deflate. ws offers it by default, and with a server that accepts it (the
 * agent's CPU profile showed zlib at work on the bridge to the local gateway) every message over 1 KiB goes through
 * zlib, and the socket holds a zlib context each way for its life: CPU and memory for every call, for little gain on
 * audio and short JSON (scripts/bench-agent-cpu.ts, row 6).
 */
export function openWebSocket(url: string | URL, options: Omit<ClientOptions, "perMessageDeflate">): WebSocket {
  return new WebSocket(url, { ...options, perMessageDeflate: false });
}

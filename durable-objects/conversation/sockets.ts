import type { GatewayToAgent, GatewayToChat } from "../../protocol/bridge.ts";
import type { SocketRole } from "../socket-roles.ts";

export interface Peer {
  role: SocketRole;
  /** The conversation id the socket was opened for (the object does not know its own name). */
  conversation: string;
}

/** The call's open WebSockets, and who is on the other end of each. */
export class Sockets {
  private readonly peers = new Map<WebSocket, Peer>();

  add(ws: WebSocket, peer: Peer): void {
    this.peers.set(ws, peer);
  }

  /** False when the socket was already gone. */
  delete(ws: WebSocket): boolean {
    return this.peers.delete(ws);
  }

  of(role: SocketRole): WebSocket[] {
    return [...this.peers].filter(([, peer]) => peer.role === role).map(([ws]) => ws);
  }

  broadcast(role: SocketRole, message: GatewayToAgent | GatewayToChat): void {
    for (const ws of this.of(role)) send(ws, message);
  }

  /** Lets go of every agent socket but `ws`. */
  supersedeAgents(ws: WebSocket): void {
    for (const [other, peer] of this.peers) {
      if (other === ws || peer.role !== "agent") continue;
      this.peers.delete(other);
      other.close(1000, "superseded");
    }
  }
}

export function send(ws: WebSocket, message: GatewayToAgent | GatewayToChat) {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // A socket that is closing misses the message; the transcript still has it.
  }
}

/** A socket message's JSON, or undefined when it is not JSON. */
export function decodeJson(data: string | ArrayBuffer): unknown {
  try {
    return JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

export function logSocketFailure(error: unknown) {
  console.error("socket handler failed:", error instanceof Error ? error.message : String(error));
}

import type { Server as HttpServer } from "node:http";
import type { Server, Socket } from "node:net";

/** The message scripts/start.mjs sends with the agent's listening socket. */
export const LISTENER_MESSAGE = "phonemybot:agent-listener";

/**
 * A listening socket bound by another process and handed to the agent. It accepts from the moment it arrives;
 * connections that come before the agent serves (it warms up first) wait for `serveWith`.
 */
export class InheritedListener {
  private readonly early: Socket[] = [];
  private serve?: (socket: Socket) => void;

  constructor(readonly server: Server) {
    server.on("connection", (socket) => (this.serve ? this.serve(socket) : this.early.push(socket)));
  }

  /** From now on, and for the connections that waited, `http` serves what this socket accepts. */
  serveWith(http: HttpServer): void {
    this.serve = (socket) => http.emit("connection", socket);
    for (const socket of this.early.splice(0)) this.serve(socket);
  }
}

/**
 * The listening socket `npm start` (scripts/start.mjs) bound for the agent and sent over the IPC channel, when it
 * started the agent that way (AGENT_LISTENER=ipc); otherwise undefined, and the agent binds AGENT_PORT itself.
 *
 * Why: start.mjs must tell wrangler the agent's URL before the agent runs. When it only checked that a port was free,
 * anything else on the machine (another gateway's workerd, a test's free-port probe) could take it in the seconds the
 * agent took to load and warm up, and the agent died with EADDRINUSE. A socket bound once and handed over leaves no gap.
 */
export async function inheritedListener(timeoutMs = 10_000): Promise<InheritedListener | undefined> {
  if (process.env.AGENT_LISTENER !== "ipc") return undefined;
  if (!process.send || !process.channel) throw new Error("AGENT_LISTENER=ipc, but the agent was started without an IPC channel");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off("message", onMessage);
      reject(new Error(`AGENT_LISTENER=ipc, but no listening socket arrived within ${timeoutMs} ms`));
    }, timeoutMs);
    function onMessage(message: unknown, handle: unknown) {
      if (message !== LISTENER_MESSAGE || !handle) return;
      clearTimeout(timer);
      process.off("message", onMessage);
      // The channel's only use was this handover: it must not keep the agent running.
      process.channel?.unref();
      resolve(new InheritedListener(handle as Server));
    }
    process.on("message", onMessage);
  });
}

import type { Env } from "../bindings.ts";
import { parseTimeout } from "../delivery-policy.ts";
import type { CallRow } from "./schema.ts";

/** How long a call waits for its agent's socket to come back before it ends as `agent_lost`. */
export const DEFAULT_AGENT_RECONNECT_GRACE_MS = 5_000;
/** How often a call carried by an agent checks that the agent's socket is still there (what a restart cannot tell). */
export const DEFAULT_AGENT_CHECK_INTERVAL_MS = 30_000;

export interface AgentWatchHost {
  env: Env;
  sql: SqlStorage;
  call(): CallRow | undefined;
  agentConnected(): boolean;
  scheduleAlarm(): Promise<void>;
  /** The agent is gone for good: the call ends as `agent_lost`. */
  agentLost(): Promise<unknown>;
}

/**
 * Watches the agent that carries a call, through the call's `agent_deadline` (which the object's alarm honours):
 * while a socket is open it checks again every AGENT_CHECK_INTERVAL_MS; once none is, the agent gets a grace to
 * come back (AGENT_RECONNECT_GRACE_MS) before the call ends.
 */
export class AgentWatch {
  /** This instance has given a call with no agent socket its grace (after the socket closed, or after a restart). */
  private graceGiven = false;

  constructor(private readonly host: AgentWatchHost) {}

  /** An agent socket is open: check again in a while (AGENT_CHECK_INTERVAL_MS). */
  watch(): Promise<void> {
    return this.setDeadline(false, parseTimeout(this.host.env.AGENT_CHECK_INTERVAL_MS, DEFAULT_AGENT_CHECK_INTERVAL_MS));
  }

  /** No agent socket is open. The agent may be coming back (a network blip, a gateway restart): it gets a grace. */
  grace(): Promise<void> {
    return this.setDeadline(true, parseTimeout(this.host.env.AGENT_RECONNECT_GRACE_MS, DEFAULT_AGENT_RECONNECT_GRACE_MS));
  }

  private async setDeadline(grace: boolean, inMs: number): Promise<void> {
    this.graceGiven = grace;
    this.host.sql.exec("UPDATE call SET agent_deadline = ?", Date.now() + inMs);
    await this.host.scheduleAlarm();
  }

  /**
   * At the agent's deadline: with a socket open, watch on. Without one, the agent gets its grace, unless it has had
   * it already: then the caller is gone, the call ends and the bot is told. (An instance started after a restart has
   * no socket and has given no grace: a call whose agent socket died with the old instance is not left open.)
   */
  async check(): Promise<void> {
    const call = this.host.call();
    if (call?.state !== "active" || call.agent_deadline === null || call.agent_deadline > Date.now()) return;
    if (this.host.agentConnected()) return this.watch();
    if (!this.graceGiven) return this.grace();
    await this.host.agentLost();
  }
}

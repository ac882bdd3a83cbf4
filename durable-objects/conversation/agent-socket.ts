import { AgentToGatewaySchema, type AgentToGateway, type BotNotice, type GatewayToAgent } from "../../protocol/bridge.ts";
import type { EndReason, PinResult } from "../../protocol/management.ts";
import type { TransferOutcome } from "../../protocol/transfer.ts";
import { type Env, directory, serviceStub } from "../bindings.ts";
import type { AgentWatch } from "./agent-watch.ts";
import type { CallRow, CallStart, MessageRow, StartResult } from "./schema.ts";
import { type Sockets, send } from "./sockets.ts";
import type { Transcript } from "./transcript.ts";
import { recordCallerTiming, recordPlayout, reportDoneTurn } from "./turns.ts";

/** What the agent's socket protocol needs of the call. */
export interface AgentSocketHost {
  env: Env;
  sql: SqlStorage;
  sockets: Sockets;
  transcript: Transcript;
  agentWatch: AgentWatch;
  call(): CallRow | undefined;
  service(call: CallRow): ReturnType<typeof serviceStub>;
  start(input: CallStart): Promise<StartResult>;
  callerSays(text: string, turn?: number): boolean;
  notifyBot(event: BotNotice, turn?: number): void;
  callerKeys(digits: string): boolean;
  enterPin(pin: string): Promise<PinResult>;
  callerHangsUp(reason?: EndReason): Promise<boolean>;
  /** What the agent is told of a bot message it missed: its `say`, with the keys and transfer it asks for. */
  sayOf(message: MessageRow): GatewayToAgent;
  /** The agent's transfer ended (protocol/bridge.ts `transfer_result`). */
  transferEnded(to: string, outcome: TransferOutcome): Promise<void>;
}

/** One message from the voice agent's socket (protocol/bridge.ts), applied to the call. */
export async function onAgentMessage(host: AgentSocketHost, ws: WebSocket, conversation: string, json: unknown): Promise<void> {
  const parsed = AgentToGatewaySchema.safeParse(json);
  if (!parsed.success) return send(ws, { type: "error", reason: "bad_message" } satisfies GatewayToAgent);
  return applyAgentMessage(host, ws, conversation, parsed.data);
}

async function applyAgentMessage(host: AgentSocketHost, ws: WebSocket, conversation: string, message: AgentToGateway): Promise<void> {
  if (message.type === "start") {
    const serviceId = message.serviceId ?? (message.to ? await directory(host.env).serviceForNumber(message.to) : null);
    const started = serviceId
      ? await host.start({
          conversation,
          serviceId,
          from: message.from,
          ...(message.to ? { to: message.to } : {}),
          ...(message.room ? { room: message.room } : {}),
          ...(message.outbound ? { outbound: true } : {}),
        })
      : ({ ok: false, reason: "service_not_found" } as const);
    if (!started.ok) {
      send(ws, { type: "error", reason: started.reason === "exists" ? "conversation_exists" : "service_not_found" } satisfies GatewayToAgent);
      return ws.close(1008, started.reason);
    }
    send(ws, {
      type: "started",
      conversation,
      serviceId: started.call.serviceId,
      language: started.language,
      testMode: started.testMode,
      settings: started.settings,
      ...(started.accountId ? { accountId: started.accountId } : {}),
    } satisfies GatewayToAgent);
    // A call the bot started: the callee hears what the bot said while it rang.
    if (message.outbound) sayAll(host, ws, host.transcript.botMessagesAfter(0));
    return host.agentWatch.watch();
  }
  // A clock probe is answered at once, whatever the call's state, and is not one of the counted messages.
  if (message.type === "clock") return send(ws, { type: "clock", agentSentAt: message.agentSentAt, gatewayAt: Date.now() } satisfies GatewayToAgent);
  const call = host.call();
  if (!call) {
    send(ws, { type: "error", reason: "not_started" } satisfies GatewayToAgent);
    return message.type === "resume" ? ws.close(1008, "not_started") : undefined;
  }
  if (message.type === "resume") return resumeAgent(host, ws, call, message.lastSayId);
  // Counted with its effect, in the same synchronous write: after a reconnection the agent resends what is not.
  host.sql.exec("UPDATE call SET agent_messages = agent_messages + 1");
  switch (message.type) {
    case "transcript":
      if (host.callerSays(message.text, message.turn) && message.timing) recordCallerTiming(host.sql, message.timing);
      return;
    case "notice":
      host.notifyBot(message.event, message.turn);
      return;
    case "playout":
      recordPlayout(host.sql, message.id, message);
      await reportDoneTurn(host.sql, host.transcript.all(), message.id, call.conversation, host.service(call));
      return;
    case "dtmf":
      host.callerKeys(message.digits);
      return;
    case "pin":
      return send(ws, { type: "pin_result", ...(await host.enterPin(message.pin)) } satisfies GatewayToAgent);
    case "interrupted":
      host.transcript.recordSpoken(message.id, message.spokenText);
      return;
    case "usage":
      await host.service(call).addSpeechUsage(call.started_at, message.sttSeconds, message.ttsCharacters);
      return;
    case "hangup":
      await host.callerHangsUp(message.reason ?? "caller_hangup");
      return;
    case "transfer_result":
      await host.transferEnded(
        message.to,
        message.result === "transferred"
          ? { result: "transferred" }
          : { result: message.result, ...(message.sipStatus !== undefined ? { sipStatus: message.sipStatus } : {}) },
      );
      return;
    case "finished":
      ws.close(1000, "finished");
      return;
  }
}

/** An agent's socket opened again mid-call: it learns what it missed, and any older agent socket is let go. */
async function resumeAgent(host: AgentSocketHost, ws: WebSocket, call: CallRow, lastSayId: number): Promise<void> {
  if (call.state !== "active") {
    send(ws, { type: "ended", reason: call.end_reason ?? "agent_lost" } satisfies GatewayToAgent);
    return ws.close(1000, "ended");
  }
  host.sockets.supersedeAgents(ws);
  send(ws, { type: "resumed", received: call.agent_messages } satisfies GatewayToAgent);
  sayAll(host, ws, host.transcript.botMessagesAfter(lastSayId));
  await host.agentWatch.watch();
}

function sayAll(host: AgentSocketHost, ws: WebSocket, messages: readonly MessageRow[]): void {
  for (const m of messages) send(ws, host.sayOf(m));
}

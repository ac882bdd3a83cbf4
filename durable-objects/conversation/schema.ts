import type { ServiceSettingsView } from "../../protocol/service-settings.ts";
import { createTurnSchema } from "./turn-table.ts";
import type { TransferResult } from "../../protocol/transfer.ts";
import { type Call, CALL_LIMITS, type CallDirection, type DeliveryState, type EndReason } from "../../protocol/management.ts";

/** The call itself: one row. */
export interface CallRow {
  conversation: string;
  service_id: string;
  from_number: string;
  to_number: string;
  language: string;
  test_mode: number;
  state: "ringing" | "active" | "ended";
  direction: CallDirection;
  /** A call the bot started: when it stops ringing unanswered (`call_failed`, 480); null once answered. */
  rings_until: number | null;
  /** Dialed through LiveKit (not a simulated phone): the simulated phone's answer and decline do not apply. */
  dialed: number;
  /** A call the bot started that was not connected: the SIP status and reason. */
  sip_status: number | null;
  failure_reason: string | null;
  opaque: string;
  pin_attempts: number;
  started_at: number;
  ended_at: number | null;
  end_reason: EndReason | null;
  /** How many of the agent's messages after `start` have been applied (its `resume` is answered with this). */
  agent_messages: number;
  /**
   * For a call an agent carries: when the object next checks that an agent socket is open (renewed while one is),
   * or, once none is, the end of the agent's grace to come back. Null for calls without an agent.
   */
  agent_deadline: number | null;
  /** The LiveKit room the call is in, when the agent said (phone and LiveKit browser calls). */
  room: string | null;
  /** When the call reaches its service's maximum duration (`max_duration`). */
  ends_by: number;
  /** How long a call no agent carries may go without a message either way before it ends (`idle`). */
  idle_ms: number;
  /** The call's last transfer: where to, and how it ended (protocol/transfer.ts); null when none was asked for. */
  transfer_to: string | null;
  transfer_result: TransferResult | null;
  [key: string]: SqlStorageValue;
}

/** One message of the transcript, either way; those to the bot carry their delivery state. */
export interface MessageRow {
  seq: number;
  direction: "to_bot" | "from_bot";
  body: string;
  at: number;
  is_new: number;
  last: number;
  dtmf: string | null;
  delivery: DeliveryState | null;
  attempts: number;
  next_attempt_at: number;
  error: string | null;
  spoken_text: string | null;
  /** JSON: to the bot, the hints we send; from the bot, the hints it sent. */
  hints: string | null;
  [key: string]: SqlStorageValue;
}

/** Creates the call's tables, and adds the columns that calls stored by older versions lack. */
export function createSchema(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS call (
      conversation TEXT PRIMARY KEY, service_id TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL,
      language TEXT NOT NULL, test_mode INTEGER NOT NULL, state TEXT NOT NULL, opaque TEXT NOT NULL DEFAULT '',
      pin_attempts INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT);
    CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, direction TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL,
      is_new INTEGER NOT NULL DEFAULT 0, last INTEGER NOT NULL DEFAULT 0, dtmf TEXT,
      delivery TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, error TEXT,
      spoken_text TEXT);
    CREATE INDEX IF NOT EXISTS pending_deliveries ON messages (delivery, seq);
  `);
  createTurnSchema(sql);
  // Calls stored by older versions lack these columns.
  const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(call)").toArray().map((c) => c.name));
  if (!columns.has("agent_messages")) sql.exec("ALTER TABLE call ADD COLUMN agent_messages INTEGER NOT NULL DEFAULT 0");
  if (!columns.has("agent_deadline")) sql.exec("ALTER TABLE call ADD COLUMN agent_deadline INTEGER");
  if (!columns.has("room")) sql.exec("ALTER TABLE call ADD COLUMN room TEXT");
  if (!columns.has("transfer_to")) {
    sql.exec("ALTER TABLE call ADD COLUMN transfer_to TEXT");
    sql.exec("ALTER TABLE call ADD COLUMN transfer_result TEXT");
  }
  if (!columns.has("direction")) {
    sql.exec("ALTER TABLE call ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound'");
    sql.exec("ALTER TABLE call ADD COLUMN rings_until INTEGER");
    sql.exec("ALTER TABLE call ADD COLUMN dialed INTEGER NOT NULL DEFAULT 0");
    sql.exec("ALTER TABLE call ADD COLUMN sip_status INTEGER");
    sql.exec("ALTER TABLE call ADD COLUMN failure_reason TEXT");
  }
  const messageColumns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(messages)").toArray().map((c) => c.name));
  if (!messageColumns.has("hints")) sql.exec("ALTER TABLE messages ADD COLUMN hints TEXT");
  if (!columns.has("ends_by")) {
    sql.exec("ALTER TABLE call ADD COLUMN ends_by INTEGER NOT NULL DEFAULT 0");
    sql.exec("ALTER TABLE call ADD COLUMN idle_ms INTEGER NOT NULL DEFAULT 0");
    // Calls answered before the limits existed get the defaults.
    sql.exec(
      "UPDATE call SET ends_by = started_at + ?, idle_ms = ?",
      CALL_LIMITS.maxCallMinutes.default * 60_000,
      CALL_LIMITS.idleTimeoutMinutes.default * 60_000,
    );
  }
}

/** A call to answer: who calls, which service, and (phone and LiveKit browser calls) the LiveKit room it is in. */
export interface CallStart {
  conversation: string;
  serviceId: string;
  from: string;
  to?: string;
  room?: string;
  /** The agent answers a call the bot started (outbound), which is ringing under this id. */
  outbound?: boolean;
}

/** What answering a call gives: the call, or why it was not answered. */
export type StartResult =
  | { ok: true; call: Call; language: string; testMode: boolean; settings: ServiceSettingsView; accountId: string | null }
  | { ok: false; reason: "service_not_found" | "exists" };

export function readCall(sql: SqlStorage): CallRow | undefined {
  return sql.exec<CallRow>("SELECT * FROM call").toArray()[0];
}

export const iso = (ms: number) => new Date(ms).toISOString();

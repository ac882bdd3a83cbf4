import { SPAN_NAMES, type LatencyDay, type TurnSpans, latencyDays } from "../protocol/turns.ts";

/**
 * The spans of every finished turn of a service's calls, by UTC day, for Monitoring's daily p50/p95
 * (`GET /services/{id}/latency`). Kept in the service object rather than computed from the calls: a period's figures
 * would otherwise take one round trip to each of its calls' objects, and percentiles cannot be summed from daily
 * aggregates, so the spans themselves are kept (a few integers per turn; days older than the retention are dropped).
 */
export const LATENCY_RETENTION_DAYS = 400;

export function createLatencySchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS turn_latency (
    conversation TEXT NOT NULL, message INTEGER NOT NULL, day TEXT NOT NULL,
    stt INTEGER, agent INTEGER, gateway INTEGER, bot INTEGER, tts INTEGER, gap INTEGER,
    PRIMARY KEY (conversation, message))`);
  sql.exec("CREATE INDEX IF NOT EXISTS turn_latency_day ON turn_latency (day)");
}

/** A turn is done (its reply played, or arrived on a call without speech): its spans count for `day`. */
export function recordTurnLatency(sql: SqlStorage, turn: { conversation: string; message: number; day: string; spans: TurnSpans }): void {
  const { spans } = turn;
  sql.exec(
    `INSERT INTO turn_latency (conversation, message, day, stt, agent, gateway, bot, tts, gap) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (conversation, message) DO UPDATE SET stt = excluded.stt, agent = excluded.agent, gateway = excluded.gateway,
       bot = excluded.bot, tts = excluded.tts, gap = excluded.gap`,
    turn.conversation,
    turn.message,
    turn.day,
    spans.stt,
    spans.agent,
    spans.gateway,
    spans.bot,
    spans.tts,
    spans.gap,
  );
  const oldest = new Date(Date.now() - LATENCY_RETENTION_DAYS * 86_400_000).toISOString().slice(0, 10);
  sql.exec("DELETE FROM turn_latency WHERE day < ?", oldest);
}

export function readLatencyDays(sql: SqlStorage, from: string, to: string): LatencyDay[] {
  type Row = { day: string } & Record<(typeof SPAN_NAMES)[number], number | null>;
  const rows = sql.exec<Row>("SELECT * FROM turn_latency WHERE day BETWEEN ? AND ?", from, to).toArray();
  return latencyDays(rows.map((r) => ({ day: r.day, spans: { stt: r.stt, agent: r.agent, gateway: r.gateway, bot: r.bot, tts: r.tts, gap: r.gap } })));
}

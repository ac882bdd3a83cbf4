/**
 * The table of each turn's times (durable-objects/conversation/turns.ts reads and writes it). Apart from turns.ts,
 * which needs the message rows of schema.ts, so that schema.ts can create it without an import cycle.
 */
export function createTurnSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS turn_times (
    seq INTEGER PRIMARY KEY, speech_ended_at INTEGER, transcribed_at INTEGER, posted_at INTEGER, answered_at INTEGER,
    reply_arrived_at INTEGER, say_received_at INTEGER, first_audio_at INTEGER, playback_ended_at INTEGER, interrupted INTEGER)`);
}

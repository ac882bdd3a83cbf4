import type { Hints } from "../../protocol/hints.ts";
import type { CallMessage } from "../../protocol/management.ts";
import { parseMarkup } from "../../protocol/markup.ts";
import { unknownSpeechContexts } from "../../protocol/speech-contexts.ts";
import { type MessageRow, iso } from "./schema.ts";

/** The call's messages both ways, read from the `messages` table. */
export class Transcript {
  constructor(private readonly sql: SqlStorage) {}

  all(): MessageRow[] {
    return this.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY seq").toArray();
  }

  /** When the last message either way was recorded; undefined before the first. */
  lastMessageAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT max(at) AS at FROM messages").one().at ?? undefined;
  }

  message(seq: number): MessageRow | undefined {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
  }

  /** The bot's messages after `seq`, in order (what an agent that comes back has not heard). */
  botMessagesAfter(seq: number): MessageRow[] {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE direction = 'from_bot' AND seq > ? ORDER BY seq", seq).toArray();
  }

  /** The caller barged in: what of the bot's message `seq` had been spoken. */
  recordSpoken(seq: number, spokenText: string): void {
    this.sql.exec("UPDATE messages SET spoken_text = ? WHERE seq = ? AND direction = 'from_bot'", spokenText, seq);
  }
}

export function toCallMessage(row: MessageRow): CallMessage {
  return {
    direction: row.direction,
    body: row.body,
    at: iso(row.at),
    last: row.last === 1,
    ...(row.spoken_text !== null ? { spokenText: row.spoken_text } : {}),
    ...(row.direction === "from_bot" ? unknownContextsOf(row.body) : {}),
    ...(row.hints !== null ? { hints: JSON.parse(row.hints) as Hints } : {}),
    ...(row.direction === "to_bot"
      ? {
          new: row.is_new === 1,
          delivery: row.delivery ?? "pending",
          attempts: row.attempts,
          ...(row.error !== null ? { error: row.error } : {}),
          ...(row.dtmf !== null ? { dtmf: row.dtmf } : {}),
        }
      : {}),
  };
}

/** A bot message's speech-context names that the catalogue does not know (docs/api.md, "Speech contexts"), if any. */
function unknownContextsOf(body: string): { unknownContexts?: string[] } {
  const unknown = unknownSpeechContexts(parseMarkup(body).contexts ?? []);
  return unknown.length > 0 ? { unknownContexts: unknown } : {};
}

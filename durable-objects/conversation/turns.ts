import type { CallerTiming, PlayoutTiming, Turn } from "../../protocol/turns.ts";
import { turnView } from "../../protocol/turns.ts";
import type { MessageRow } from "./schema.ts";

/**
 * The times of each turn (protocol/turns.ts), one row per message: for a message to the bot, the agent's speech end
 * and transcript and the gateway's post and the bot's answer; for a message from the bot, the agent's playout.
 */
interface TurnTimeRow {
  seq: number;
  speech_ended_at: number | null;
  transcribed_at: number | null;
  posted_at: number | null;
  answered_at: number | null;
  /** When the bot's reply reached the Worker (the send API), before our checks. */
  reply_arrived_at: number | null;
  say_received_at: number | null;
  first_audio_at: number | null;
  playback_ended_at: number | null;
  interrupted: number | null;
  [key: string]: SqlStorageValue;
}

function upsert(sql: SqlStorage, seq: number, values: Partial<Omit<TurnTimeRow, "seq">>): void {
  const columns = Object.keys(values);
  sql.exec(
    `INSERT INTO turn_times (seq, ${columns.join(", ")}) VALUES (?, ${columns.map(() => "?").join(", ")})
     ON CONFLICT (seq) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    seq,
    ...(Object.values(values) as SqlStorageValue[]),
  );
}

/** The agent's times for the caller turn just queued (the newest message to the bot). */
export function recordCallerTiming(sql: SqlStorage, timing: CallerTiming): void {
  const seq = sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM messages WHERE direction = 'to_bot'").one().seq;
  if (seq !== null) upsert(sql, seq, { speech_ended_at: timing.speechEndedAt, transcribed_at: timing.transcribedAt });
}

/** An attempt to post message `seq` to the bot began at `postedAt`, and the bot answered at `answeredAt` (null: no answer). */
export function recordDeliveryAttempt(sql: SqlStorage, seq: number, postedAt: number, answeredAt: number | null): void {
  upsert(sql, seq, { posted_at: postedAt, answered_at: answeredAt });
}

/** Bot message `seq` reached the Worker at `arrivedAt`. */
export function recordReplyArrival(sql: SqlStorage, seq: number, arrivedAt: number): void {
  upsert(sql, seq, { reply_arrived_at: arrivedAt });
}

/** The agent played bot message `seq`. */
export function recordPlayout(sql: SqlStorage, seq: number, timing: PlayoutTiming): void {
  const isBotMessage = sql.exec("SELECT 1 FROM messages WHERE seq = ? AND direction = 'from_bot'", seq).toArray().length > 0;
  if (!isBotMessage) return;
  upsert(sql, seq, {
    say_received_at: timing.receivedAt,
    first_audio_at: timing.firstAudioAt,
    playback_ended_at: timing.endedAt,
    interrupted: timing.interrupted ? 1 : 0,
  });
}

/**
 * The call's turns: each message to the bot but the closing `last` one, with the bot's first message after it (before
 * the next turn) as its reply.
 */
export function callTurns(sql: SqlStorage, messages: readonly MessageRow[]): Turn[] {
  const times = new Map(sql.exec<TurnTimeRow>("SELECT * FROM turn_times").toArray().map((r) => [r.seq, r]));
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    if (!isTurn(message)) return;
    const laterIndex = messages.findIndex((m, i) => i > index && (m.direction === "from_bot" || isTurn(m)));
    const replyIndex = laterIndex >= 0 && messages[laterIndex]!.direction === "from_bot" ? laterIndex : -1;
    const reply = replyIndex >= 0 ? messages[replyIndex]! : undefined;
    const own = times.get(message.seq);
    const played = reply ? times.get(reply.seq) : undefined;
    turns.push(
      turnView(
        { message: index, reply: replyIndex >= 0 ? replyIndex : null },
        {
          speechEndedAt: own?.speech_ended_at ?? null,
          transcribedAt: own?.transcribed_at ?? null,
          receivedAt: message.at,
          postedAt: own?.posted_at ?? null,
          answeredAt: own?.answered_at ?? null,
          replyAt: played?.reply_arrived_at ?? reply?.at ?? null,
          sayReceivedAt: played?.say_received_at ?? null,
          firstAudioAt: played?.first_audio_at ?? null,
          playbackEndedAt: played?.playback_ended_at ?? null,
        },
        {
          interrupted: played?.interrupted == null ? null : played.interrupted === 1,
          heard: played?.interrupted === 1 ? (reply?.spoken_text ?? "") : null,
        },
      ),
    );
  });
  return turns;
}

const isTurn = (m: MessageRow) => m.direction === "to_bot" && !(m.last === 1 && m.body === "" && !m.dtmf);

/** The turn whose reply is message `replySeq`, once it is done (for the service's daily latency), or undefined. */
export function turnWithReply(sql: SqlStorage, messages: readonly MessageRow[], replySeq: number): Turn | undefined {
  const index = messages.findIndex((m) => m.seq === replySeq);
  return index < 0 ? undefined : callTurns(sql, messages).find((t) => t.reply === index);
}

/** Tells the service of the turn that message `replySeq` answered, now done, so it counts in the daily latency. */
export async function reportDoneTurn(
  sql: SqlStorage,
  messages: readonly MessageRow[],
  replySeq: number,
  conversation: string,
  service: { turnDone(turn: { conversation: string; message: number; day: string; spans: Turn["spans"] }): unknown },
): Promise<void> {
  const turn = turnWithReply(sql, messages, replySeq);
  if (turn) await service.turnDone({ conversation, message: turn.message, day: turn.receivedAt.slice(0, 10), spans: turn.spans });
}

/** The call's turns that have a reply, as the service keeps them for the daily latency. */
export function answeredTurns(sql: SqlStorage, messages: readonly MessageRow[], conversation: string) {
  return callTurns(sql, messages)
    .filter((t) => t.reply !== null)
    .map((t) => ({ conversation, message: t.message, day: t.receivedAt.slice(0, 10), spans: t.spans }));
}

import { z } from "zod";

/**
 * Per-turn latency: what happened, and when, between the caller's end of speech and the first audio of the bot's
 * reply. The agent measures its part (speech end, final transcript, the reply's arrival, first audio, playback end)
 * and sends it over the bridge in the gateway's clock (protocol/clock.ts); the gateway records its own part (the
 * caller's message arriving, posted to the bot, the bot's HTTP answer, the bot's reply on the send API).
 *
 * All times here are epoch milliseconds in the gateway's clock. A time nobody measured is null (a simulated call has
 * no speech; a turn the bot never answered has no reply), and so is every span that needs it.
 */
export interface TurnTimes {
  /** The caller stopped speaking: the VAD's last voice, or the recognizer's end of the words when the VAD was gated. Agent. */
  speechEndedAt: number | null;
  /** The recognizer's final transcript of the turn. Agent. */
  transcribedAt: number | null;
  /** The caller's message reached the call (gateway), queued for the bot. */
  receivedAt: number;
  /** The last attempt to post it to the bot began. Gateway. */
  postedAt: number | null;
  /** The bot's HTTP answer to that attempt. Gateway. */
  answeredAt: number | null;
  /** The bot's reply (its next message) arrived on the send API. Gateway. */
  replyAt: number | null;
  /** The agent got that reply over the bridge. Agent. */
  sayReceivedAt: number | null;
  /** The first audio frame of the reply went out to the caller. Agent. */
  firstAudioAt: number | null;
  /** The reply finished playing, or was cut by the caller. Agent. */
  playbackEndedAt: number | null;
}

/** The spans of a turn, in milliseconds; `null` when a time it needs was not measured. */
export interface TurnSpans {
  /** Speech end → final transcript: the recognizer. */
  stt: number | null;
  /** Final transcript → the gateway has the message: the agent's turn commit and the bridge (ours). */
  agent: number | null;
  /** Message received → posted to the bot, and reply received → the agent has it: the gateway (ours). */
  gateway: number | null;
  /** Posted to the bot → its reply arrived: the bot's think time (theirs). */
  bot: number | null;
  /** The agent has the reply → first audio frame out: speech synthesis. */
  tts: number | null;
  /** Speech end → first audio: the silence the caller heard. */
  gap: number | null;
}

export const SPAN_NAMES = ["stt", "agent", "gateway", "bot", "tts", "gap"] as const satisfies readonly (keyof TurnSpans)[];
export type SpanName = (typeof SPAN_NAMES)[number];

/** The spans of one turn. Negative spans (clocks reconciled imperfectly) are clamped to 0. */
export function deriveSpans(t: TurnTimes): TurnSpans {
  const span = (from: number | null, to: number | null) => (from === null || to === null ? null : Math.max(0, to - from));
  const gatewayIn = span(t.receivedAt, t.postedAt);
  const gatewayOut = span(t.replyAt, t.sayReceivedAt);
  return {
    stt: span(t.speechEndedAt, t.transcribedAt),
    agent: span(t.transcribedAt, t.receivedAt),
    // A simulated call has no agent to carry the reply: the gateway's share is then its way in only.
    gateway: gatewayIn === null ? null : t.sayReceivedAt === null ? gatewayIn : gatewayOut === null ? null : gatewayIn + gatewayOut,
    bot: span(t.postedAt, t.replyAt),
    tts: span(t.sayReceivedAt, t.firstAudioAt),
    gap: span(t.speechEndedAt, t.firstAudioAt),
  };
}

const Time = z.string().nullable();
const Ms = z.number().nullable();

export const TurnSchema = z.object({
  /** Which caller message (its place among the call's messages, from 0) and which reply. */
  message: z.number().int(),
  reply: z.number().int().nullable(),
  speechEndedAt: Time,
  transcribedAt: Time,
  receivedAt: z.string(),
  postedAt: Time,
  answeredAt: Time,
  replyAt: Time,
  sayReceivedAt: Time,
  firstAudioAt: Time,
  playbackEndedAt: Time,
  /** The caller talked over the reply; `heard` is then what had been spoken. */
  interrupted: z.boolean().nullable(),
  heard: z.string().nullable(),
  spans: z.object({ stt: Ms, agent: Ms, gateway: Ms, bot: Ms, tts: Ms, gap: Ms }),
});
export type Turn = z.infer<typeof TurnSchema>;

/** The agent's times for a caller turn, sent with its transcript (gateway clock). */
export const CallerTimingSchema = z.object({ speechEndedAt: z.number().nullable(), transcribedAt: z.number() });
export type CallerTiming = z.infer<typeof CallerTimingSchema>;

/** The agent's times for one bot message it played (gateway clock). */
export const PlayoutTimingSchema = z.object({
  receivedAt: z.number(),
  firstAudioAt: z.number().nullable(),
  endedAt: z.number(),
  interrupted: z.boolean(),
});
export type PlayoutTiming = z.infer<typeof PlayoutTimingSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A turn as the API shows it: times in ISO 8601, spans in ms. */
export function turnView(ids: { message: number; reply: number | null }, t: TurnTimes, extra: { interrupted: boolean | null; heard: string | null }): Turn {
  return {
    ...ids,
    speechEndedAt: iso(t.speechEndedAt),
    transcribedAt: iso(t.transcribedAt),
    receivedAt: iso(t.receivedAt)!,
    postedAt: iso(t.postedAt),
    answeredAt: iso(t.answeredAt),
    replyAt: iso(t.replyAt),
    sayReceivedAt: iso(t.sayReceivedAt),
    firstAudioAt: iso(t.firstAudioAt),
    playbackEndedAt: iso(t.playbackEndedAt),
    ...extra,
    spans: deriveSpans(t),
  };
}

/** The p50 and p95 of some values (nearest rank); null for none. */
export function percentiles(values: readonly number[]): { p50: number; p95: number; count: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { p50: rank(0.5), p95: rank(0.95), count: sorted.length };
}

const Percentiles = z.object({ p50: z.number(), p95: z.number(), count: z.number().int() }).nullable();
export const LatencyDaySchema = z.object({
  day: z.string(),
  turns: z.number().int(),
  spans: z.object({ stt: Percentiles, agent: Percentiles, gateway: Percentiles, bot: Percentiles, tts: Percentiles, gap: Percentiles }),
});
export type LatencyDay = z.infer<typeof LatencyDaySchema>;
export const LatencySchema = z.object({ from: z.string(), to: z.string(), days: z.array(LatencyDaySchema) });
export type Latency = z.infer<typeof LatencySchema>;

/** Each day's p50/p95 of every span, from the spans of that day's turns. */
export function latencyDays(turns: readonly { day: string; spans: TurnSpans }[]): LatencyDay[] {
  const byDay = new Map<string, TurnSpans[]>();
  for (const t of turns) byDay.set(t.day, [...(byDay.get(t.day) ?? []), t.spans]);
  return [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, spans]) => ({
      day,
      turns: spans.length,
      spans: Object.fromEntries(
        SPAN_NAMES.map((name) => [name, percentiles(spans.map((s) => s[name]).filter((v): v is number => v !== null))]),
      ) as LatencyDay["spans"],
    }));
}

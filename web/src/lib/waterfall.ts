import type { Turn } from "../../../protocol/turns.ts";
import { type TimeAxis, axisTicks } from "./waterfall-axis.ts";

/** One bar of a turn's waterfall: a stretch of time, whose it is, and where it sits on the turn's time axis (%). */
export interface WaterfallBar {
  key: string;
  label: string;
  owner: "ours" | "bot" | "speech" | "caller";
  ms: number;
  left: number;
  width: number;
}

/**
 * The bars of a turn, in order: the recognizer, the agent, the gateway, the bot (theirs), the gateway again, the
 * synthesizer, then the playback. Each bar is placed by its start and end times on an axis that runs from the turn's
 * first time to its last; a stretch whose ends were not both measured has no bar. The axis reads in ms from the
 * caller's speech end, or from the message's arrival when the turn had no speech (a simulated call, keys).
 */
export function waterfallBars(turn: Turn): { bars: WaterfallBar[]; totalMs: number; axis: TimeAxis } {
  const t = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const stretches: [string, string, WaterfallBar["owner"], number | null, number | null][] = [
    ["stt", "Speech recognition", "speech", t(turn.speechEndedAt), t(turn.transcribedAt)],
    ["agent", "Voice agent", "ours", t(turn.transcribedAt), t(turn.receivedAt)],
    ["gateway-in", "Gateway", "ours", t(turn.receivedAt), t(turn.postedAt)],
    ["bot", "Your bot", "bot", t(turn.postedAt), t(turn.replyAt)],
    ["gateway-out", "Gateway", "ours", t(turn.replyAt), t(turn.sayReceivedAt)],
    ["tts", "Speech synthesis", "speech", t(turn.sayReceivedAt), t(turn.firstAudioAt)],
    ["playback", turn.interrupted ? "Played (interrupted)" : "Played", "caller", t(turn.firstAudioAt), t(turn.playbackEndedAt)],
  ];
  const times = stretches.flatMap(([, , , a, b]) => [a, b]).filter((x): x is number => x !== null);
  const speechEnd = t(turn.speechEndedAt);
  const origin = speechEnd ?? Date.parse(turn.receivedAt);
  const axisOrigin = speechEnd === null ? "message" : "speech_end";
  if (times.length === 0) return { bars: [], totalMs: 0, axis: { origin: axisOrigin, ticks: [] } };
  const start = Math.min(...times);
  const end = Math.max(...times);
  const totalMs = end - start;
  const scale = (ms: number) => (totalMs === 0 ? 0 : (ms / totalMs) * 100);
  const bars = stretches.flatMap(([key, label, owner, a, b]) =>
    a === null || b === null ? [] : [{ key, label, owner, ms: Math.max(0, b - a), left: scale(a - start), width: scale(Math.max(0, b - a)) }],
  );
  return { bars, totalMs, axis: { origin: axisOrigin, ticks: axisTicks(start, end, origin) } };
}

export const formatMs = (ms: number | null) => (ms === null ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

import { asLanguageCode, stt, voice } from "@livekit/agents";
import { z } from "zod";
import type { Interpreted, ListenState } from "./deepgram-messages.ts";

/**
 * The messages of Deepgram Flux (`/v2/listen`, conversational recognition with its own end-of-turn model) that we
 * act on. Flux speaks in turns: `StartOfTurn`, `Update` about every 0.25 s, optionally `EagerEndOfTurn` /
 * `TurnResumed` (only with `eager_eot_threshold`: a service's `eagerEndOfTurn`), then `EndOfTurn` once its
 * end-of-turn confidence passes `eot_threshold`. Times are seconds of this connection's audio.
 */
const word = z.object({ word: z.string(), confidence: z.number().optional(), start: z.number().optional(), end: z.number().optional() });
const turnInfo = z.object({
  type: z.literal("TurnInfo"),
  event: z.string(),
  turn_index: z.number().optional(),
  audio_window_start: z.number(),
  audio_window_end: z.number(),
  transcript: z.string(),
  words: z.array(word).optional().default([]),
  end_of_turn_confidence: z.number().optional(),
  request_id: z.string().optional(),
});
const fluxMessage = z.discriminatedUnion("type", [
  turnInfo,
  z.object({ type: z.literal("Connected"), request_id: z.string().optional() }),
  z.object({ type: z.literal("Error"), code: z.string().optional(), description: z.string().optional() }),
  // The answer to a `Configure` (the next utterance's key terms) that Flux refused; the stream goes on as it was.
  z.object({ type: z.literal("ConfigureFailure"), code: z.string().optional(), description: z.string().optional() }),
]);

/**
 * Flux's eager end of turn, for the call (agent/conversation/eager-turn.ts): `eager` with the transcript Flux is
 * moderately sure ends the turn (never empty), `resumed` when the caller went on after it.
 */
export type FluxTurnSignal = { kind: "eager"; transcript: string; confidence: number | undefined } | { kind: "resumed" };

export interface FluxInterpreted extends Interpreted {
  /** Flux reported an error (it closes the connection after it), or refused a `Configure` (it does not). */
  error?: string;
  turnSignal?: FluxTurnSignal;
}

/** One Flux text message as speech events: START_OF_SPEECH, interim transcripts, then FINAL + END_OF_SPEECH at EndOfTurn. */
export function interpretFluxMessage(raw: string, state: ListenState, language: string, timeOffset: number): FluxInterpreted {
  let parsed: z.infer<typeof fluxMessage>;
  try {
    const result = fluxMessage.safeParse(JSON.parse(raw));
    if (!result.success) return { events: [] };
    parsed = result.data;
  } catch {
    return { events: [] };
  }
  if (parsed.type === "Connected") return { events: [] };
  if (parsed.type === "ConfigureFailure") return { events: [], error: `Configure refused${parsed.description ? `: ${parsed.description}` : ""}` };
  if (parsed.type === "Error") return { events: [], error: [parsed.code, parsed.description].filter(Boolean).join(": ") || "Flux error" };

  const events: stt.SpeechEvent[] = [];
  const start = () => {
    if (state.speaking) return;
    state.speaking = true;
    events.push({ type: stt.SpeechEventType.START_OF_SPEECH });
  };
  const text = parsed.transcript.trim();
  const span = parsed.audio_window_end - parsed.audio_window_start;
  const words = parsed.words;
  const speech = (): stt.SpeechData => ({
    language: asLanguageCode(language),
    text,
    startTime: timeOffset + parsed.audio_window_start,
    endTime: timeOffset + parsed.audio_window_end,
    confidence: words.length > 0 ? words.reduce((sum, w) => sum + (w.confidence ?? 0), 0) / words.length : 0,
    words: words.map((w, i) =>
      voice.createTimedString({
        text: w.word,
        // Without word times, spread the words over the turn's audio window.
        startTime: timeOffset + (w.start ?? parsed.audio_window_start + (i * span) / words.length),
        endTime: timeOffset + (w.end ?? parsed.audio_window_start + ((i + 1) * span) / words.length),
        confidence: w.confidence ?? 0,
      }),
    ),
  });
  const requestId = parsed.request_id ? { requestId: parsed.request_id } : {};

  switch (parsed.event) {
    case "StartOfTurn":
      start();
      if (text) events.push({ type: stt.SpeechEventType.INTERIM_TRANSCRIPT, alternatives: [speech()], ...requestId });
      return { events };
    case "Update":
    case "EagerEndOfTurn":
    case "TurnResumed": {
      if (text) {
        start();
        events.push({ type: stt.SpeechEventType.INTERIM_TRANSCRIPT, alternatives: [speech()], ...requestId });
      }
      if (parsed.event === "TurnResumed") return { events, turnSignal: { kind: "resumed" } };
      if (parsed.event === "EagerEndOfTurn" && text) return { events, turnSignal: { kind: "eager", transcript: text, confidence: speech().confidence || undefined } };
      return { events };
    }
    case "EndOfTurn":
      if (text) {
        start();
        events.push({ type: stt.SpeechEventType.FINAL_TRANSCRIPT, alternatives: [speech()], ...requestId });
      }
      if (state.speaking) {
        state.speaking = false;
        events.push({ type: stt.SpeechEventType.END_OF_SPEECH });
      }
      return { events, finalizedUntil: parsed.audio_window_end };
    default:
      return { events };
  }
}

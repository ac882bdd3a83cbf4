import { asLanguageCode, stt, voice } from "@livekit/agents";
import { z } from "zod";

/** The messages of Deepgram's streaming `/v1/listen` that we act on (others are ignored). */
const word = z.object({ word: z.string(), punctuated_word: z.string().optional(), start: z.number(), end: z.number(), confidence: z.number() });
const results = z.object({
  type: z.literal("Results"),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean(),
  speech_final: z.boolean().optional().default(false),
  from_finalize: z.boolean().optional(),
  channel: z.object({
    alternatives: z.array(z.object({ transcript: z.string(), confidence: z.number().optional().default(0), words: z.array(word).optional().default([]) })),
  }),
  metadata: z.object({ request_id: z.string().optional() }).optional(),
});
const deepgramMessage = z.discriminatedUnion("type", [
  results,
  z.object({ type: z.literal("SpeechStarted") }),
  z.object({ type: z.literal("UtteranceEnd") }),
  z.object({ type: z.literal("Metadata"), request_id: z.string().optional() }),
]);

export interface ListenState {
  /** Whether a START_OF_SPEECH has been emitted without its END_OF_SPEECH. */
  speaking: boolean;
}

export interface Interpreted {
  events: stt.SpeechEvent[];
  /** Connection audio time (s) up to which Deepgram has finalized the transcript, when this message says so. */
  finalizedUntil?: number;
}

/**
 * Turns one text message from Deepgram into speech events, the way the framework expects them: START_OF_SPEECH before
 * the first words, interim and final transcripts, END_OF_SPEECH at an endpoint (`speech_final`) or `UtteranceEnd`.
 * `timeOffset` (s) is where this connection's audio starts in the stream (it restarts at 0 on every connection).
 * Unknown or malformed messages yield nothing: Deepgram adds message types over time.
 */
export function interpretDeepgramMessage(raw: string, state: ListenState, language: string, timeOffset: number): Interpreted {
  let parsed: z.infer<typeof deepgramMessage>;
  try {
    const result = deepgramMessage.safeParse(JSON.parse(raw));
    if (!result.success) return { events: [] };
    parsed = result.data;
  } catch {
    return { events: [] };
  }
  const events: stt.SpeechEvent[] = [];
  const startOfSpeech = () => {
    if (state.speaking) return;
    state.speaking = true;
    events.push({ type: stt.SpeechEventType.START_OF_SPEECH });
  };
  const endOfSpeech = () => {
    if (!state.speaking) return;
    state.speaking = false;
    events.push({ type: stt.SpeechEventType.END_OF_SPEECH });
  };

  switch (parsed.type) {
    case "SpeechStarted":
      startOfSpeech();
      return { events };
    case "UtteranceEnd":
      endOfSpeech();
      return { events };
    case "Metadata":
      return { events };
    case "Results": {
      const requestId = parsed.metadata?.request_id;
      const alternatives = parsed.channel.alternatives
        .filter((a) => a.transcript.trim())
        .map(
          (a): stt.SpeechData => ({
            language: asLanguageCode(language),
            text: a.transcript,
            startTime: timeOffset + (a.words[0]?.start ?? parsed.start),
            endTime: timeOffset + (a.words.at(-1)?.end ?? parsed.start + parsed.duration),
            confidence: a.confidence,
            words: a.words.map((w) =>
              voice.createTimedString({ text: w.punctuated_word ?? w.word, startTime: timeOffset + w.start, endTime: timeOffset + w.end, confidence: w.confidence }),
            ),
          }),
        );
      const [first, ...rest] = alternatives;
      if (first) {
        startOfSpeech();
        const type = parsed.is_final ? stt.SpeechEventType.FINAL_TRANSCRIPT : stt.SpeechEventType.INTERIM_TRANSCRIPT;
        events.push({ type, alternatives: [first, ...rest], ...(requestId ? { requestId } : {}) });
      }
      if (parsed.speech_final) endOfSpeech();
      return { events, ...(parsed.is_final ? { finalizedUntil: parsed.start + parsed.duration } : {}) };
    }
  }
}

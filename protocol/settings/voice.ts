import { z } from "zod";
import { plainSettings } from "./define.ts";

/**
 * How a service's calls sound and when the caller's turn ends. The keys of the speech providers stay in the voice
 * agent's environment: a provider whose key the agent lacks is not offered (the agent lists what it has at
 * `GET {agentUrl}/voices`), and a call asking for one falls back to the agent's default.
 */
export const TTS_PROVIDERS = ["auto", "cartesia", "deepgram", "openai", "espeak"] as const;
export type TtsProvider = (typeof TTS_PROVIDERS)[number];

export const SPEAKING_RATE = { min: 0.5, max: 2 } as const;
/** Flux's end-of-turn confidence (English with Deepgram): lower answers sooner, higher waits for a surer end. */
export const END_OF_TURN_THRESHOLD = { min: 0.5, max: 0.9 } as const;
/** Flux's `eager_eot_threshold` range (Deepgram, "End-of-Turn Detection Parameters"). */
export const EAGER_END_OF_TURN_THRESHOLD = { min: 0.3, max: 0.9 } as const;

export const voiceSettings = plainSettings(
  {
    /** `auto`: the agent's first available of Cartesia, OpenAI, Deepgram Aura-2, espeak-ng. */
    ttsProvider: z.enum(TTS_PROVIDERS),
    /** A voice of that provider (its id, as `GET {agentUrl}/voices` lists them); null: the provider's voice for the service's language. */
    ttsVoice: z.string().trim().min(1).max(100).nullable(),
    /** 1 is the provider's normal rate. */
    speakingRate: z.number().min(SPEAKING_RATE.min).max(SPEAKING_RATE.max),
    endOfTurnThreshold: z.number().min(END_OF_TURN_THRESHOLD.min).max(END_OF_TURN_THRESHOLD.max),
    /**
     * Flux's eager end of turn (English with Deepgram): `off`, or the confidence at which the caller's words go to
     * the bot before Flux is sure the turn has ended; the bot's reply is held until it is (docs/api.md, "Voice").
     */
    eagerEndOfTurn: z.union([z.literal("off"), z.number().min(EAGER_END_OF_TURN_THRESHOLD.min).max(EAGER_END_OF_TURN_THRESHOLD.max)]),
  },
  { ttsProvider: "auto", ttsVoice: null, speakingRate: 1, endOfTurnThreshold: 0.7, eagerEndOfTurn: "off" },
);
export type VoiceSettings = typeof voiceSettings.defaults;

import type { ServiceSettingsView } from "../protocol/service-settings.ts";
import { type VoiceSettings, voiceSettings } from "../protocol/settings/voice.ts";
import type { SpeechProviders } from "./providers/index.ts";

/** A call's voice settings from the gateway's `started` (defaults for any it does not send: an older gateway). */
export function voiceSettingsOf(settings: Partial<ServiceSettingsView> | undefined): VoiceSettings {
  const merged = { ...voiceSettings.defaults, ...settings };
  const { ttsProvider, ttsVoice, speakingRate, endOfTurnThreshold, eagerEndOfTurn } = merged;
  return { ttsProvider, ttsVoice, speakingRate, endOfTurnThreshold, eagerEndOfTurn };
}

/**
 * How long the session waits after the recognizer's end of speech before it commits the caller's turn. Flux's
 * `EndOfTurn` is already its turn model's decision (its patience is the service's end-of-turn threshold): committing
 * at once saves 300 ms. nova's `speech_final` only means 300 ms of silence, which a pause mid-sentence also gives:
 * the extra wait lets the caller go on without being cut, as does the VAD's end of speech offline.
 */
export function endpointingDelayMs(speech: Pick<SpeechProviders, "sttName">): number {
  return speech.sttName === "deepgram-flux" ? 0 : 300;
}

import { stt } from "@livekit/agents";
import { describe, expect, it } from "vitest";
import type { ListenState } from "../../agent/providers/deepgram-messages.ts";
import { interpretFluxMessage } from "../../agent/providers/flux-messages.ts";

/** Flux's turn messages as speech events and eager-turn signals (agent/providers/flux-messages.ts), apart from the socket. */
const turnInfo = (event: string, transcript: string) =>
  JSON.stringify({ type: "TurnInfo", event, turn_index: 0, audio_window_start: 0.1, audio_window_end: 1.2, transcript, words: transcript.split(" ").map((word) => ({ word, confidence: 0.9 })) });

describe("Flux messages", () => {
  it("EagerEndOfTurn is an interim transcript plus an eager signal with its words; TurnResumed a resumed signal; EndOfTurn the final", () => {
    const state: ListenState = { speaking: false };
    const eager = interpretFluxMessage(turnInfo("EagerEndOfTurn", "a table for two"), state, "en-US", 0);
    expect(eager.events.map((e) => e.type)).toEqual([stt.SpeechEventType.START_OF_SPEECH, stt.SpeechEventType.INTERIM_TRANSCRIPT]);
    expect(eager.turnSignal).toEqual({ kind: "eager", transcript: "a table for two", confidence: 0.9 });

    const resumed = interpretFluxMessage(turnInfo("TurnResumed", "a table for two"), state, "en-US", 0);
    expect(resumed.turnSignal).toEqual({ kind: "resumed" });
    expect(resumed.events.map((e) => e.type)).toEqual([stt.SpeechEventType.INTERIM_TRANSCRIPT]);

    const end = interpretFluxMessage(turnInfo("EndOfTurn", "a table for two at eight"), state, "en-US", 0);
    expect(end.turnSignal).toBeUndefined();
    expect(end.events.map((e) => e.type)).toEqual([stt.SpeechEventType.FINAL_TRANSCRIPT, stt.SpeechEventType.END_OF_SPEECH]);
  });

  it("no eager signal for an empty transcript or the other events", () => {
    const state: ListenState = { speaking: false };
    expect(interpretFluxMessage(turnInfo("EagerEndOfTurn", ""), state, "en-US", 0).turnSignal).toBeUndefined();
    expect(interpretFluxMessage(turnInfo("Update", "a table"), state, "en-US", 0).turnSignal).toBeUndefined();
    expect(interpretFluxMessage(turnInfo("StartOfTurn", "a"), state, "en-US", 0).turnSignal).toBeUndefined();
  });
});

import { voice } from "@livekit/agents";
import type { CallerTiming, PlayoutTiming } from "../protocol/turns.ts";

/** Told of each turn and of the agent's spans (ms, agent clock): agent/metrics.ts. */
export interface TurnObserver {
  turn(): void;
  span(name: "stt" | "reply_wait" | "tts" | "gap", ms: number): void;
}

interface Played {
  receivedAt: number;
  firstAudioAt: number | null;
}

/**
 * The agent's side of per-turn latency (protocol/turns.ts), in the agent's clock until handed out, then converted
 * to the gateway's with the offset the bridge measured (`toGatewayTime`).
 *
 * Speech out is matched to bot messages by order: each `session.say` is one playback segment of the audio output,
 * and segments play in the order they were queued; a segment cut before it played never starts, so it is skipped.
 */
export class TurnTiming {
  /** When the VAD last heard voice, at most a minute back, oldest first. */
  private voicedAt: number[] = [];
  private transcribedAt: number | null = null;
  /** Where the recognizer put the end of the words of the latest final transcript (its audio times, as wall clock). */
  private recognizedEndAt: number | null = null;
  /** When the VAD started and stopped hearing the caller, oldest first; null: it always hears (not gated). */
  private listening: { at: number; open: boolean }[] | null = null;
  private readonly played = new Map<number, Played>();
  /** Speech queued on the session, in order, waiting for its first audio frame: the bot message it belongs to. */
  private readonly waitingForAudio: { id: number | null; gone: () => boolean }[] = [];

  /** The caller turn sent last, until the first audio of the bot's reply to it. */
  private lastTurn: { speechEndedAt: number | null; sentAt: number; replyId: number | null } | null = null;

  constructor(
    private readonly toGatewayTime: (agentTime: number) => number,
    private readonly observer?: TurnObserver,
  ) {}

  /** The VAD heard voice in a window of audio that ended at `at`. */
  voiced(at: number): void {
    this.voicedAt.push(at);
    if (this.voicedAt.length > 2_000) this.voicedAt = this.voicedAt.slice(-1_000);
  }

  /** A final transcript came from the recognizer. */
  transcribed(at: number): void {
    this.transcribedAt = at;
  }

  /** The recognizer's final transcript puts the end of the caller's words at `at` (wall clock). */
  recognized(speechEndAt: number): void {
    this.recognizedEndAt = speechEndAt;
  }

  /** The VAD hears the caller only while its gate is open (vad-gate.ts): it opened or closed at `at`. */
  vadListening(open: boolean, at: number): void {
    this.listening ??= [];
    this.listening.push({ at, open });
    if (this.listening.length > 200) this.listening = this.listening.slice(-100);
  }

  /** Whether the VAD was hearing the caller at `at`. */
  private vadHeard(at: number): boolean {
    if (this.listening === null) return true;
    return this.listening.findLast((change) => change.at <= at)?.open ?? false;
  }

  /** The final transcript confirmed a turn sent already (Flux's eager end of turn): it is not the next turn's. */
  eagerTurnConfirmed(): void {
    this.transcribedAt = null;
    this.recognizedEndAt = null;
  }

  /** The times of the caller turn being sent now; the next turn starts afresh. */
  takeCallerTiming(now: number): CallerTiming {
    const transcribedAt = this.transcribedAt ?? now;
    // The caller's speech ended with the last voice heard before the transcript (later voice is the next turn's),
    // unless the VAD was not listening when the recognizer says the words ended: then the recognizer's time.
    const recognizedEndAt = this.recognizedEndAt === null ? null : Math.min(this.recognizedEndAt, transcribedAt);
    const speechEndedAt =
      recognizedEndAt !== null && !this.vadHeard(recognizedEndAt) ? recognizedEndAt : (this.voicedAt.findLast((at) => at <= transcribedAt) ?? null);
    this.voicedAt = this.voicedAt.filter((at) => at > transcribedAt);
    this.transcribedAt = null;
    this.recognizedEndAt = null;
    this.observer?.turn();
    if (speechEndedAt !== null) this.observer?.span("stt", transcribedAt - speechEndedAt);
    this.lastTurn = { speechEndedAt, sentAt: now, replyId: null };
    return {
      speechEndedAt: speechEndedAt === null ? null : this.toGatewayTime(speechEndedAt),
      transcribedAt: this.toGatewayTime(transcribedAt),
    };
  }

  /** Bot message `id` arrived over the bridge. */
  sayReceived(id: number, at: number): void {
    if (!this.played.has(id)) this.played.set(id, { receivedAt: at, firstAudioAt: null });
    if (this.lastTurn && this.lastTurn.replyId === null) {
      this.lastTurn.replyId = id;
      this.observer?.span("reply_wait", at - this.lastTurn.sentAt);
    }
  }

  /** A segment of speech for bot message `id` (null: one of our prompts) was queued on the session. */
  speechQueued(id: number | null, gone: () => boolean): void {
    this.waitingForAudio.push({ id, gone });
  }

  /** The audio output started playing a segment at `at`. */
  playbackStarted(at: number): void {
    // Segments that were cut before they played never start.
    while (this.waitingForAudio.length > 0 && this.waitingForAudio[0]!.gone()) this.waitingForAudio.shift();
    const next = this.waitingForAudio.shift();
    if (next?.id == null) return;
    const played = this.played.get(next.id);
    if (!played || played.firstAudioAt !== null) return;
    played.firstAudioAt = at;
    this.observer?.span("tts", at - played.receivedAt);
    if (this.lastTurn?.replyId === next.id) {
      if (this.lastTurn.speechEndedAt !== null) this.observer?.span("gap", at - this.lastTurn.speechEndedAt);
      this.lastTurn = null;
    }
  }

  /** Bot message `id` has played to its end or was cut at `at`: its times, once, in the gateway's clock. */
  takePlayout(id: number, at: number, interrupted: boolean): PlayoutTiming | undefined {
    const played = this.played.get(id);
    if (!played) return undefined;
    this.played.delete(id);
    return {
      receivedAt: this.toGatewayTime(played.receivedAt),
      firstAudioAt: played.firstAudioAt === null ? null : this.toGatewayTime(played.firstAudioAt),
      endedAt: this.toGatewayTime(at),
      interrupted,
    };
  }
}

/** Feeds a call's session events to its timing: final transcripts, and the first frame of each segment played. */
export function watchSession(session: voice.AgentSession, timing: TurnTiming): void {
  session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
    if (ev.isFinal) timing.transcribed(Date.now());
  });
  session.output.audio?.on(voice.AudioOutput.EVENT_PLAYBACK_STARTED, (ev: { createdAt?: number }) => timing.playbackStarted(ev.createdAt ?? Date.now()));
}

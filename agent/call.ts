import { randomUUID } from "node:crypto";
import type { ReadableStream } from "node:stream/web";
import type { AudioFrame, Room } from "@livekit/rtc-node";
import { type VAD, type llm, log, stt, voice } from "@livekit/agents";
import { runAsCall } from "./call-log-context.ts";
import type { GatewayToAgent, SayTransfer } from "../protocol/bridge.ts";
import { DTMF_WAIT_MS, type MarkupAction, parseMarkup } from "../protocol/markup.ts";
import type { TransferOutcome } from "../protocol/transfer.ts";
import type { CallEvent } from "../protocol/voice.ts";
import { BridgeClient } from "./bridge.ts";
import { PacedAudioOutput } from "./paced-output.ts";
import { type Prompts, promptsFor } from "./prompts.ts";
import { spokenText } from "./spoken-text.ts";
import { type SpeechConfig, type SpeechProviders, createSpeech } from "./providers/index.ts";
import { endpointingDelayMs, voiceSettingsOf } from "./turn-taking.ts";
import { stableSpeechFrames } from "./providers/stable-vad.ts";
import { vadForSession } from "./providers/gated-vad.ts";
import { withoutTrailingSilence } from "./trailing-silence.ts";
import { AudioClock } from "./audio-clock.ts";
import { tapped } from "./tapped-stream.ts";
import type { SayCues } from "../protocol/say-cues.ts";
import { type ServiceSettingsView, DEFAULT_SETTINGS_VIEW } from "../protocol/service-settings.ts";
import { keysInterrupt, voiceInterrupts } from "./conversation/barge-in.ts";
import { classifyTurn } from "./conversation/caller-turn.ts";
import { ConversationFlow } from "./conversation/flow.ts";
import { pickMessage } from "./conversation/pick.ts";
import { shouldSpeakReply } from "./conversation/stale-replies.ts";
import { NextUtterance } from "./conversation/next-utterance.ts";
import { EagerTurns } from "./conversation/eager-turn.ts";
import { type Presynthesized, presynthesize } from "./presynthesis.ts";
import { TurnTiming, watchSession } from "./turn-timing.ts";
import { callMetrics, watchCallMetrics } from "./call-metrics.ts";
import { BargeInTiming } from "./barge-in-timing.ts";
import { bargeInSeconds } from "./metrics.ts";
import { withSpeechDetection } from "./speech-detection.ts";

export interface CallStart {
  from: string;
  to?: string;
  serviceId?: string;
  transport: "sip" | "browser" | "local";
  room?: string;
  /** The callee of a call the bot started (the session's `conversation` is that call's id). */
  outbound?: boolean;
}

export type { CallEvent };

export interface CallOptions {
  gatewayUrl: string;
  agentSecret: string;
  /** Default: a new UUID. */
  conversation?: string;
  start: CallStart;
  /** The local transport's audio; absent on the LiveKit path, where `room` carries the audio. */
  input?: voice.AudioInput;
  output?: voice.AudioOutput;
  room?: Room;
  speech: SpeechConfig;
  vad: VAD;
  /**
   * Say something if the bot has not answered this long after the caller's turn, whatever the service's
   * `botSlowSeconds` (default: that setting, 8 s unless the service changed it).
   */
  noReplyTimeoutMs?: number | undefined;
  /** How often speech usage is reported while the call lasts. Default 15000. */
  usageIntervalMs?: number;
  /**
   * Interruption tuning (ms): speech needed before the bot pauses, and how long a pause waits for words. The
   * default 50 pauses as soon as the VAD detects speech (Silero needs two 32 ms windows); a cough only pauses the
   * bot, which resumes when no words come.
   */
  minInterruptionMs?: number;
  falseInterruptionTimeoutMs?: number;
  /** The transport hangs up the caller (close the socket, remove the SIP participant…). */
  hangUp: (reason: string) => void;
  /** The transport sends one key (`0-9*#`) on the call, for the bot's `<dtmf digits>`; without it keys are dropped. */
  sendDtmf?: (digit: string) => void | Promise<void>;
  /**
   * The transport transfers the caller (LiveKit: SIP REFER; local: simulated), ringing at most `timeoutMs`, and says
   * how it ended. Without it every transfer fails.
   */
  transfer?: (to: string, timeoutMs: number | undefined) => Promise<TransferOutcome>;
  onEvent?: (event: CallEvent) => void;
}

/** What a `say` asks beyond its body: keys from the bot's hints and a transfer, both once it has been spoken. */
interface SayControl {
  dtmf?: string | undefined;
  transfer?: SayTransfer | undefined;
}

type PinState = "off" | "collecting" | "checking" | "done";

/** What `say` is told beyond the body: the bot's cues, keys, transfer, and its place among the bot's messages. */
type SayOptions = SayControl & SayCues & {
  arrival?: number;
  /** It answers a turn superseded by Flux's eager end of turn: not spoken (its keys, transfer and `last` still act). */
  superseded?: boolean;
  /** Its speech synthesized while it was held, by step text. */
  ready?: Map<string, Presynthesized>;
};

/** A bot message held until the caller's turn it may answer is confirmed (agent/conversation/eager-turn.ts). */
interface HeldReply {
  body: string;
  id: number;
  last: boolean;
  options: SayOptions;
}

/** Forwards each final caller turn to the call and never generates a reply of its own: the bot is the brain. */
class BridgeAgent extends voice.Agent {
  constructor(private readonly call: CallSession) {
    super({ instructions: "Relay the caller's words to the bot and speak its replies." });
  }

  /** Counts the audio that reaches the recognizer (speech-to-text seconds, for usage). */
  override async sttNode(audio: ReadableStream<AudioFrame> | AsyncIterable<AudioFrame>, settings: voice.ModelSettings) {
    const call = this.call;
    // The recognizer times words in seconds of this stream's audio: the clock turns them into wall-clock times.
    const clock = new AudioClock();
    const counted = tapped(audio, (frame) => {
      const seconds = frame.samplesPerChannel / frame.sampleRate;
      call.countSttAudio(seconds);
      clock.heard(seconds, Date.now());
    });
    const events = await voice.Agent.default.sttNode(this, counted, settings);
    if (!events) return null;
    // "mm-hmm" over the bot is not a turn: dropping it leaves the framework a pause with no words, so it treats it
    // as a false interruption and resumes the bot.
    return events.pipeThrough(
      new TransformStream<stt.SpeechEvent | string, stt.SpeechEvent | string>({
        transform(event, controller) {
          const text = typeof event === "string" ? event : event.alternatives?.[0]?.text;
          if (typeof event !== "string" && event.type === stt.SpeechEventType.FINAL_TRANSCRIPT) {
            call.noteConfidence(event.alternatives?.[0]?.confidence);
            const best = event.alternatives?.[0];
            const endedAt = best?.text ? clock.wallTime(best.words?.at(-1)?.endTime ?? best.endTime) : null;
            if (endedAt !== null) call.timing.recognized(endedAt);
          }
          const isTranscript = typeof event === "string" || event.type === stt.SpeechEventType.FINAL_TRANSCRIPT || event.type === stt.SpeechEventType.INTERIM_TRANSCRIPT;
          if (isTranscript && text && call.botSpeaking && isBackchannel(text)) return;
          controller.enqueue(event);
        },
      }) as never,
    ) as typeof events;
  }

  override async ttsNode(text: ReadableStream<string> | AsyncIterable<string>, settings: voice.ModelSettings) {
    const audio = await voice.Agent.default.ttsNode(this, text, settings);
    return audio && (audio.pipeThrough(withoutTrailingSilence() as never) as typeof audio);
  }

  override async onUserTurnCompleted(_ctx: llm.ChatContext, message: llm.ChatMessage): Promise<void> {
    this.call.callerTurn(message.textContent ?? "");
    throw new voice.StopResponse();
  }
}

/**
 * One phone or browser call: an `AgentSession` (STT + TTS + VAD, no LLM) bridged to the call's Conversation
 * Durable Object. Transport-agnostic: the LiveKit worker and the local server give it their audio input/output.
 */
export class CallSession {
  readonly conversation: string;
  readonly bridge: BridgeClient;
  session: voice.AgentSession | undefined;
  language = "en-US";
  testMode = false;
  speech: SpeechProviders | undefined;
  private prompts: Prompts = promptsFor("en-US");
  /** The service's sentence for a failed transfer (its settings, from `started`); empty: nothing is said. */
  private transferFailedMessage = "";
  private pin: PinState = "off";
  private digits = "";
  /** The service's settings (conversation settings: protocol/settings/conversation.ts), from `started`. */
  settings: ServiceSettingsView = DEFAULT_SETTINGS_VIEW;
  private flow: ConversationFlow | undefined;
  /** Caller turns sent to the bot so far (`hints.turn` of the latest). */
  private turns = 0;
  /** Flux's eager end of turn, when the service turned it on and the call hears through Flux. */
  private eager: EagerTurns<HeldReply> | undefined;
  /** The recognizer's confidence in the latest final transcript (undefined when it gives none). */
  private lastConfidence: number | undefined;
  /** The bot's latest message, for the caller's "say that again". */
  private lastBotMessage: { body: string; cues: SayCues } | undefined;
  /** Bot messages received so far: a stale reply knows whether a newer one came after it. */
  private botMessagesReceived = 0;
  /** The recognizer's hints for the caller's answer to each message (speech contexts, key terms). */
  private readonly nextUtterance = new NextUtterance((context) => log().warn({ ...this.logIds, context }, "unknown speech context in a bot message: ignored"));
  /** Whether the message playing now may be cut off by the caller's voice / keys (barge-in policy). */
  private playing = { voice: true, keys: true };
  /** Told whether a bot message or prompt is playing or queued, at each change (the VAD's gate). */
  private botSpeakingChanged: (speaking: boolean) => void = () => undefined;
  private usageTimer: NodeJS.Timeout | undefined;
  private usage = { sttSeconds: 0, ttsCharacters: 0 };
  private reported = { sttSeconds: 0, ttsCharacters: 0 };
  private ended = false;
  private readonly endedPromise: Promise<string>;
  private resolveEnded!: (reason: string) => void;
  /** Resolves when the call has started speaking (after `started`). */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;
  private speaking: Promise<unknown> = Promise.resolve();
  /** The session's start, once `started` has come. */
  private begun: Promise<void> = Promise.resolve();
  /** Speech handles not played out yet. */
  private readonly active = new Set<voice.SpeechHandle>();
  /** Messages whose speech, pauses and keys are not all done yet. */
  private running = 0;
  /** Resolves when the messages so far have handed all their speech to the session: the next one queues behind. */
  private queued: Promise<void> = Promise.resolve();
  /** Counts barge-ins: a message queued before one is dropped with what it had not played yet. */
  private bargeIns = 0;
  /** Resolves at the next barge-in (it cuts a `<break>` short). */
  private nextBargeIn = signal();
  /** Timestamps for measurements: when each transcript was sent. */
  readonly transcriptSentAt: number[] = [];
  /** The ids every log line of this call carries, as the gateway's logs do (worker/log.ts). */
  logIds: { conversation: string; serviceId: string | null; accountId: string | null } = { conversation: "", serviceId: null, accountId: null };
  /** Per-turn times for the gateway (protocol/turns.ts), in its clock as measured on the bridge. */
  readonly timing = new TurnTiming((at) => this.bridge.toGatewayTime(at), callMetrics);

  constructor(private readonly options: CallOptions) {
    this.conversation = options.conversation ?? randomUUID();
    this.logIds = { ...this.logIds, conversation: this.conversation };
    this.endedPromise = new Promise((resolve) => (this.resolveEnded = resolve));
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    // The bridge's socket, and all the call does from its messages (the session, its tasks), run as the call's: the
    // framework's log lines carry its ids too.
    this.bridge = runAsCall(
      () => this.logIds,
      () => new BridgeClient({ gatewayUrl: options.gatewayUrl, agentSecret: options.agentSecret, conversation: this.conversation }),
    );
    watchCallMetrics(this);
    this.bridge.on("message", (message) => void this.onGateway(message).catch((error) => this.fail(error)));
    this.bridge.on("reconnecting", (attempt) => log().warn({ ...this.logIds, attempt }, "gateway socket dropped, reconnecting"));
    this.bridge.on("resumed", () => log().info(this.logIds, "gateway socket resumed"));
    this.bridge.on("close", (_code, reason) => {
      this.rejectReady(new Error(`bridge closed: ${reason}`));
      void this.end(this.ended ? "closed" : "bridge_closed");
    });
    void this.bridge.send({ type: "start", ...options.start });
  }

  /** Resolves with the reason once the call is over. */
  get done(): Promise<string> {
    return this.endedPromise;
  }

  private emit(event: CallEvent) {
    this.options.onEvent?.(event);
  }

  private fail(error: unknown) {
    this.rejectReady(error instanceof Error ? error : new Error(String(error)));
    void this.end("error");
  }

  private async onGateway(message: GatewayToAgent): Promise<void> {
    if (message.type === "started") {
      this.transferFailedMessage = message.settings?.transferFailedMessage ?? "";
      this.logIds = { conversation: this.conversation, serviceId: message.serviceId, accountId: message.accountId ?? null };
      this.begun = this.begin(message.language, message.testMode, message.settings);
      return this.begun;
    }
    // What comes after `started` waits, in arrival order, until the session has started: a bot that greets at once
    // would otherwise find no session to speak with (and the call would end on the framework's error).
    await this.begun.catch(() => undefined);
    switch (message.type) {
      case "say": {
        this.timing.sayReceived(message.id, Date.now());
        this.flow?.botAnswered();
        const { type: _type, id, body, last, dtmf, transfer, ...cues } = message;
        const reply: HeldReply = { body, id, last, options: { ...cues, dtmf, transfer, arrival: ++this.botMessagesReceived } };
        const admission = this.eager?.admit(reply, cues.inReplyTo) ?? "play";
        if (admission === "hold") reply.options.ready = this.presynthesizeSpeech(body);
        else if (admission === "drop") this.dropReplies([reply]);
        else this.playReplies([reply]);
        return;
      }
      case "pin_result":
        return this.onPinResult(message.ok, message.attemptsLeft);
      case "delivery_failed":
        this.flow?.botAnswered();
        void this.say(this.prompts.deliveryFailed, null, false);
        return;
      case "ended":
        // Let what is queued play out, then hang up.
        await this.speaking;
        return this.end(message.reason);
      case "error":
        this.rejectReady(new Error(`gateway error: ${message.reason}`));
        if (message.reason !== "bad_message") return this.end(message.reason);
        return;
    }
  }

  private async begin(language: string, testMode: boolean, settings?: Partial<ServiceSettingsView>): Promise<void> {
    const o = this.options;
    this.language = language;
    this.testMode = testMode;
    this.prompts = promptsFor(language);
    this.settings = { ...DEFAULT_SETTINGS_VIEW, ...settings };
    this.flow = new ConversationFlow(
      {
        say: (text) => this.say(text, null, false),
        notifyReprompt: () => void this.bridge.send({ type: "notice", event: "reprompt" }),
        hangUp: (reason) => void this.speaking.then(() => this.hangUp(reason)),
      },
      { settings: this.settings, prompts: this.prompts, botSlowMs: o.noReplyTimeoutMs },
    );
    const minInterruptionMs = o.minInterruptionMs ?? 50;
    const vad = stableSpeechFrames(this.timeBargeIns(o.vad, minInterruptionMs), { onVoice: (at) => this.timing.voiced(at) });
    this.speech = createSpeech(o.speech, language, vad, voiceSettingsOf(settings), this.settings.speechKeyterms);
    const listening = vadForSession(vad, this.speech.gateVad, this.timing);
    this.botSpeakingChanged = listening.botSpeaking;
    if (this.speech.eagerTurnSignals) {
      this.eager = new EagerTurns<HeldReply>();
      this.speech.eagerTurnSignals.add((signal) => (signal.kind === "eager" ? this.eagerEndOfTurn(signal.transcript, signal.confidence) : this.turnResumed()));
    }
    const session = new voice.AgentSession({
      stt: this.speech.stt,
      tts: this.speech.tts,
      vad: listening.vad,
      turnHandling: {
        // Deepgram ends turns (Flux's turn model, nova's endpointing); the offline recognizer is cut by the VAD.
        turnDetection: this.speech.turnDetection,
        endpointing: { minDelay: endpointingDelayMs(this.speech), maxDelay: 3000 },
        interruption: {
          enabled: true,
          minDuration: minInterruptionMs,
          // A pause that hears no words within this time was a cough or "mm-hmm": playback resumes.
          falseInterruptionTimeout: o.falseInterruptionTimeoutMs ?? 1500,
          resumeFalseInterruption: true,
        },
      },
      userAwayTimeout: null,
      // No acoustic echo on our transports (the phone network and browsers cancel it): listen from the first frame.
      aecWarmupDuration: null,
    });
    this.session = session;
    if (o.input) session.input.audio = o.input;
    if (o.output) session.output.audio = o.output;
    session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => this.emit({ type: "caller", text: ev.transcript, final: ev.isFinal }));
    session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
      if (ev.newState === "speaking") this.flow?.callerSpeaking();
    });
    // Provider errors (also reported to the framework, which retries or gives up). Without a listener the session's
    // `error` event would be thrown.
    session.on(voice.AgentSessionEventTypes.Error, ({ error }) => {
      const cause = "error" in error && error.error instanceof Error ? error.error.message : error.type;
      const recoverable = "recoverable" in error ? error.recoverable : undefined;
      log().warn({ ...this.logIds, type: error.type, recoverable, cause }, "speech provider error");
    });
    // The framework closes the session when a provider fails for good (e.g. Deepgram unreachable after its retries):
    // a call that can no longer hear or speak ends, and the gateway tells the bot. Otherwise it closes it when the
    // caller's participant leaves the room: the caller hung up. (After our own `end` these are no-ops.)
    session.on(voice.AgentSessionEventTypes.Close, (ev) => void this.hangUp(ev.error ? "speech_failed" : "caller_hangup"));
    await session.start({ agent: new BridgeAgent(this), ...(o.room ? { room: o.room } : {}) });
    watchSession(session, this.timing);
    this.emitSessionStarted(session);
    this.usageTimer = setInterval(() => void this.reportUsage(), o.usageIntervalMs ?? 15_000);
    const { sttName: stt, ttsName: tts, sttUnderstandsLanguage } = this.speech;
    this.emit({ type: "started", conversation: this.conversation, language, testMode, stt, tts, sttUnderstandsLanguage });
    log().info({ ...this.logIds, language, testMode, stt, tts }, "call started");
    if (testMode) {
      this.pin = "collecting";
      void this.say(this.prompts.pinRequest, null, false);
    } else if (this.settings.greeting && !o.start.outbound) {
      // Callers hang up on silence: the service's greeting plays while the bot prepares its first message. A call the
      // bot started has that message already (it came with the request that placed the call): no greeting there.
      void this.say(this.settings.greeting, null, false);
    }
    this.resolveReady();
  }

  /**
   * With our paced output (local transport), each barge-in's time from the VAD's detection to the bot's audio
   * stopped: the agent's histogram and a `barge_in` event. The LiveKit room's output is the framework's: not timed.
   */
  private timeBargeIns(vad: VAD, minSpeechMs: number): VAD {
    const output = this.options.output;
    if (!(output instanceof PacedAudioOutput)) return vad;
    const bargeIns = new BargeInTiming();
    output.onStopped = (at) => {
      const ms = bargeIns.outputStopped(at);
      if (ms === undefined) return;
      bargeInSeconds.observe(ms / 1000);
      this.emit({ type: "barge_in", detectedToStoppedMs: Math.round(ms * 10) / 10 });
    };
    return withSpeechDetection(vad, minSpeechMs, { detected: (at) => bargeIns.speechDetected(at), ended: () => bargeIns.speechEnded() });
  }

  /** Listeners for each session the call starts (metrics). */
  readonly sessionStarted = new Set<(session: voice.AgentSession) => void>();
  private emitSessionStarted(session: voice.AgentSession): void {
    for (const listener of this.sessionStarted) listener(session);
  }

  /** Whether a bot message (or prompt) is playing or paused. */
  get botSpeaking(): boolean {
    return this.active.size > 0 || this.running > 0;
  }

  countSttAudio(seconds: number): void {
    this.usage.sttSeconds += seconds;
  }

  noteConfidence(confidence: number | undefined): void {
    this.lastConfidence = confidence;
  }

  /** A final caller turn (from the agent). */
  callerTurn(text: string): void {
    const trimmed = text.trim();
    if (!trimmed || this.ended) return;
    if (this.botSpeaking) {
      // "mm-hmm" over the bot is not a turn: the paused speech resumes (false-interruption timeout).
      if (isBackchannel(trimmed)) return;
      // Real words over the bot: stop it for good (barge-in), unless the barge-in policy or the message forbids it.
      if (this.playing.voice) this.interruptSpeech();
    }
    if (this.pin === "collecting" || this.pin === "checking") return; // the test chat is not bridged yet
    const end = this.eager?.endOfTurn(trimmed);
    if (end) {
      this.dropReplies(end.drop);
      if (end.superseded !== undefined) this.notifyTurnResumed(end.superseded);
      if (!end.send) {
        // Flux confirmed the words sent on its eager end of turn: the bot has them; its replies play now.
        this.lastConfidence = undefined;
        this.timing.eagerTurnConfirmed();
        this.playReplies(end.release);
        return;
      }
    }
    const outcome = classifyTurn(trimmed, this.lastConfidence, this.language, this.settings);
    this.lastConfidence = undefined;
    if (outcome.kind === "repeat") {
      this.flow?.callerHeard();
      // Said again as it was heard (its barge-in cue kept), never judged stale: the caller asked for it.
      if (this.lastBotMessage) void this.say(this.lastBotMessage.body, null, false, { ...this.lastBotMessage.cues, inReplyTo: undefined });
      return;
    }
    if (outcome.kind === "no_match") {
      this.flow?.callerHeard();
      void this.say(pickMessage(this.settings.noMatchMessages, this.prompts.noMatch), null, false);
      return;
    }
    this.sendTurn(outcome.text);
    // Replies held for an older turn than the one superseded (the staleReplies setting decides on them).
    if (end) this.playReplies(end.release);
  }

  private sendTurn(text: string): void {
    this.transcriptSentAt.push(performance.now());
    void this.bridge.send({ type: "transcript", text: text.slice(0, 10_000), turn: ++this.turns, timing: this.timing.takeCallerTiming(Date.now()) });
    this.flow?.callerTurnSent();
  }

  /**
   * Flux's `EagerEndOfTurn`: the caller's words go to the bot now, as the next turn, and its replies are held until
   * the end of the turn is confirmed. Only when the words would go as they are (not a "say that again" or a no-match)
   * and nothing is playing: otherwise the turn's end decides, as without eagerness.
   */
  private eagerEndOfTurn(transcript: string, confidence: number | undefined): void {
    if (!this.eager || this.ended || this.botSpeaking || this.pin === "collecting" || this.pin === "checking") return;
    const outcome = classifyTurn(transcript, confidence, this.language, this.settings);
    if (outcome.kind !== "send") return;
    const decision = this.eager.eager(transcript, this.turns + 1);
    this.dropReplies(decision.drop);
    if (decision.superseded !== undefined) this.notifyTurnResumed(decision.superseded);
    if (decision.send) this.sendTurn(outcome.text);
  }

  /** Flux's `TurnResumed`: the caller went on, so the turn sent eagerly is superseded; the bot is told. */
  private turnResumed(): void {
    const turn = this.eager?.turnResumed();
    if (turn != null && !this.ended) this.notifyTurnResumed(turn);
  }

  private notifyTurnResumed(turn: number): void {
    void this.bridge.send({ type: "notice", event: "turn_resumed", turn });
  }

  /** Bot messages to speak now, in order. */
  private playReplies(replies: HeldReply[]): void {
    for (const { body, id, last, options } of replies) {
      const { dtmf: _dtmf, transfer: _transfer, arrival: _arrival, ready: _ready, superseded: _superseded, ...cues } = options;
      // "Say that again" repeats the words with their cues, never the keys or the transfer.
      this.lastBotMessage = { body, cues };
      void this.say(body, id, last, options);
    }
  }

  /** Bot messages that answer a superseded turn: never spoken, but their `last`, keys and transfer still act. */
  private dropReplies(replies: HeldReply[]): void {
    for (const { body, id, last, options } of replies) {
      for (const [text, speech] of options.ready ?? []) {
        speech.cancel();
        this.usage.ttsCharacters += text.length; // synthesized all the same
      }
      log().info({ ...this.logIds, id, inReplyTo: options.inReplyTo }, "bot reply to a superseded turn dropped");
      void this.say(body, id, last, { ...options, ready: undefined, superseded: true });
    }
  }

  /** Starts synthesizing a held message's speech, so that it plays at once when released. */
  private presynthesizeSpeech(body: string): Map<string, Presynthesized> | undefined {
    const synthesizer = this.speech?.tts;
    if (!synthesizer) return undefined;
    const ready = new Map<string, Presynthesized>();
    for (const action of parseMarkup(body).actions) {
      if (action.type === "say" && !ready.has(action.text)) ready.set(action.text, presynthesize(synthesizer, action.text));
    }
    return ready;
  }

  /** Keys from SIP DTMF or the browser keypad. */
  dtmf(keys: string): void {
    if (this.ended) return;
    const valid = keys.replace(/[^0-9*#]/g, "");
    if (!valid) return;
    if (this.pin === "collecting") {
      this.interruptSpeech(true); // keying in cuts the prompt short
      for (const key of valid) {
        if (key === "*" || key === "#") {
          if (key === "*") this.digits = "";
          continue;
        }
        this.digits += key;
        if (this.digits.length === 4) {
          this.pin = "checking";
          void this.bridge.send({ type: "pin", pin: this.digits });
          this.digits = "";
          return;
        }
      }
      return;
    }
    if (this.pin === "checking") return;
    if (this.botSpeaking && this.playing.keys) this.interruptSpeech(true);
    void this.bridge.send({ type: "dtmf", digits: valid.slice(0, 32) });
  }

  private onPinResult(ok: boolean, attemptsLeft: number): void {
    if (ok) {
      this.pin = "done";
      void this.say(this.prompts.pinOk, null, false);
    } else if (attemptsLeft > 0) {
      this.pin = "collecting";
      void this.say(this.prompts.pinWrong, null, false);
    } else {
      this.pin = "done";
      void this.say(this.prompts.pinGoodbye, null, false).then(() => this.hangUp("pin_failed"));
    }
  }

  /**
   * Speaks a bot message (or a prompt) after those before it: its call-control markup (protocol/markup.ts) is never
   * spoken; it pauses at `<break>`, sends `<dtmf>` keys once the text before them has played, and `<hangup/>` ends
   * the call like `last`. Resolves once it has played (or was cut).
   */
  private say(body: string, id: number | null, last: boolean, control: SayOptions = {}): Promise<void> {
    const markup = parseMarkup(body);
    const ends = last || markup.hangup;
    // `<transfer>` tags are the gateway's to decide (it sends its decision as `control.transfer`), never acted on here.
    const steps: MarkupAction[] = markup.actions.filter((a) => a.type === "say" || a.type === "break" || a.type === "dtmf");
    if (control.dtmf) steps.push({ type: "dtmf", digits: control.dtmf });
    const afterwards = async () => {
      if (control.transfer && !ends) await this.transferCall(control.transfer);
      if (ends) await this.finish();
    };
    // The bot's `<context name="…"/>` and `hints.stt.keyterms`: what the caller's answer to this message may contain.
    const hintNextUtterance = () => {
      const hint = this.nextUtterance.hintFor(markup.contexts ?? [], control.keyterms ?? [], this.language);
      if (hint) this.speech?.hintNextUtterance(hint);
    };
    if (!this.session || this.ended || !steps.some((a) => a.type !== "break")) {
      // A message with only a context (or key terms) tunes the next utterance at once: there is nothing to play first.
      if (this.session && !this.ended) hintNextUtterance();
      cancelReady(control.ready);
      // Nothing to say or key: a `last` (or a lone `<hangup/>` or `<transfer>`) still lets the messages before it play out.
      if (!ends && !control.transfer) return Promise.resolve();
      const done = this.speaking.then(afterwards);
      this.speaking = Promise.all([this.speaking, done]).catch(() => undefined);
      return done.catch(() => undefined);
    }
    const turn = this.queued;
    let handedOver!: () => void;
    this.queued = new Promise((resolve) => (handedOver = resolve));
    this.running++;
    this.botSpeakingChanged(true);
    const played = (async () => {
      let heard: string[] | undefined;
      let spoken = false;
      try {
        await turn;
        // A reply to a turn the caller has moved past (conversation setting `staleReplies`).
        const newerArrived = control.arrival !== undefined && control.arrival < this.botMessagesReceived;
        if (!control.superseded && shouldSpeakReply(this.settings.staleReplies, { inReplyTo: control.inReplyTo, newerArrived }, this.turns)) {
          if (markup.spokenText) this.emit({ type: "bot", id, text: markup.spokenText });
          this.usage.ttsCharacters += markup.spokenText.length;
          hintNextUtterance();
          const policy = this.settings.bargeIn;
          this.playing = { voice: voiceInterrupts(policy, control.bargeIn !== false), keys: keysInterrupt(policy, control.bargeIn !== false) };
          heard = await this.perform(steps, this.bargeIns, handedOver, id, control.ready);
          spoken = true;
        }
      } finally {
        cancelReady(control.ready);
        handedOver();
        this.running--;
        this.botSpeakingChanged(this.botSpeaking);
      }
      if (heard) {
        const spokenText = heard.join(" ");
        this.emit({ type: "interrupted", id, spokenText });
        if (id !== null) void this.bridge.send({ type: "interrupted", id, spokenText: spokenText.slice(0, 10_000) });
      }
      if (spoken && id !== null && this.settings.endOfPromptNotice && !this.ended) void this.bridge.send({ type: "notice", event: "endofprompt", id });
      const playout = id === null ? undefined : this.timing.takePlayout(id, Date.now(), heard !== undefined);
      if (playout) void this.bridge.send({ type: "playout", id: id!, ...playout });
      await afterwards();
      // Silence timers start once nothing is left to say (and after a transfer that failed, not while it rings).
      if (!ends && this.running === 0) this.flow?.speechIdle();
    })();
    this.speaking = Promise.all([this.speaking, played]).catch(() => undefined);
    return played.catch(() => undefined);
  }

  /**
   * Runs a message's steps in order; calls `handedOver` once its last speech is queued on the session (a plain
   * message at once, so the next one's speech is synthesized meanwhile). Returns the words heard if it was cut.
   */
  private async perform(
    steps: MarkupAction[],
    bargeIns: number,
    handedOver: () => void,
    id: number | null,
    ready?: Map<string, Presynthesized>,
  ): Promise<string[] | undefined> {
    const heard: string[] = [];
    const lastSpeech = steps.findLastIndex((a) => a.type === "say");
    for (const [i, step] of steps.entries()) {
      const session = this.session;
      if (!session || this.ended) return undefined;
      if (this.bargeIns !== bargeIns) return heard;
      if (step.type === "say") {
        const presynthesized = ready?.get(step.text);
        ready?.delete(step.text);
        const handle = session.say(step.text, { allowInterruptions: this.playing.voice, ...(presynthesized ? { audio: presynthesized.audio } : {}) });
        this.timing.speechQueued(id, () => handle.done());
        this.active.add(handle);
        if (i === lastSpeech) handedOver();
        await handle.waitForPlayout().finally(() => this.active.delete(handle));
        if (handle.interrupted) return [...heard, this.spokenPart(step.text, handle)].filter(Boolean);
        heard.push(step.text);
      } else if (step.type === "break") await Promise.race([sleep(step.ms), this.nextBargeIn.promise]);
      else if (step.type === "dtmf") await this.sendKeys(step.digits);
    }
    return undefined;
  }

  /**
   * The transfer the gateway decided on, once the message asking for it has been spoken: after its wait, the
   * transport transfers the caller. Transferred: the call is over. Failed, or refused by the service's guard: the
   * caller hears the service's failure sentence, if it has one, and the call goes on.
   */
  private async transferCall(transfer: SayTransfer): Promise<void> {
    if (this.ended) return;
    if (!transfer.allowed) return this.sayTransferFailed();
    if (transfer.waitMs > 0) await sleep(transfer.waitMs);
    if (this.ended) return;
    const outcome: TransferOutcome = this.options.transfer
      ? await this.options.transfer(transfer.to, transfer.timeoutMs).catch((): TransferOutcome => ({ result: "failed" }))
      : { result: "failed" };
    if (this.ended) return;
    await this.bridge.send({ type: "transfer_result", to: transfer.to, ...outcome });
    this.emit({ type: "transfer", to: transfer.to, result: outcome.result });
    if (outcome.result !== "transferred") return this.sayTransferFailed();
    await this.reportUsage();
    await this.end("transferred");
  }

  private sayTransferFailed(): void {
    if (this.transferFailedMessage) void this.say(this.transferFailedMessage, null, false);
  }

  /** The bot's `<dtmf digits>`: each key on the call in order, `w` a half-second wait. */
  private async sendKeys(digits: string): Promise<void> {
    for (const key of digits) {
      if (this.ended) return;
      if (key === "w") await sleep(DTMF_WAIT_MS);
      else await this.options.sendDtmf?.(key);
    }
  }

  private interruptSpeech(byKeys = false): void {
    this.bargeIns++;
    this.nextBargeIn.resolve();
    this.nextBargeIn = signal();
    if (this.active.size === 0 || !this.session) return;
    // Keys cut what the policy lets them cut, even a message protected from the caller's voice (policy `dtmf`: spoken
    // without `allowInterruptions`, which only the framework's voice interruptions need to respect).
    for (const handle of this.active) if (!handle.interrupted && (handle.allowInterruptions || byKeys)) handle.interrupt(true);
  }

  /** What of `text` was heard, cut at a word (see spoken-text.ts). */
  private spokenPart(text: string, handle: voice.SpeechHandle): string {
    const out = this.options.output;
    if (!(out instanceof PacedAudioOutput) || out.lastSegment.total <= 0) {
      // LiveKit room output: the framework keeps the played part (TTS-aligned) in the interrupted chat message.
      const item = handle.chatItems.find((i) => i.type === "message" && i.role === "assistant") as llm.ChatMessage | undefined;
      return item?.textContent ?? "";
    }
    const { played, total, sentences } = out.lastSegment;
    return spokenText(text, played, total, sentences);
  }

  private async reportUsage(): Promise<void> {
    const sttSeconds = Math.max(0, this.usage.sttSeconds - this.reported.sttSeconds);
    const ttsCharacters = Math.max(0, this.usage.ttsCharacters - this.reported.ttsCharacters);
    if (sttSeconds === 0 && ttsCharacters === 0) return;
    this.reported = { ...this.usage };
    await this.bridge.send({ type: "usage", sttSeconds: Math.round(sttSeconds * 1000) / 1000, ttsCharacters });
  }

  /** Usage so far (for tests and logs). */
  get totals(): { sttSeconds: number; ttsCharacters: number } {
    return { ...this.usage };
  }

  /** The bot's `last` message has played: the call is over. */
  private async finish(): Promise<void> {
    if (this.ended) return;
    await this.reportUsage();
    await this.bridge.send({ type: "finished" });
    await this.end("bot_ended");
  }

  /** The caller hung up (transport). */
  callerHangsUp(): Promise<void> {
    return this.hangUp("caller_hangup");
  }

  /** The call is over on the caller's side: they hung up, or we hang up on them. */
  private async hangUp(reason: "caller_hangup" | "pin_failed" | "speech_failed" | "silence_timeout" | "bot_not_responding"): Promise<void> {
    if (this.ended) return;
    await this.reportUsage();
    await this.bridge.send(reason === "caller_hangup" ? { type: "hangup" } : { type: "hangup", reason });
    await this.end(reason);
  }

  private async end(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    log().info({ ...this.logIds, reason }, "call ended");
    this.flow?.close();
    for (const held of this.eager?.takeAll() ?? []) cancelReady(held.options.ready);
    if (this.usageTimer) clearInterval(this.usageTimer);
    this.rejectReady(new Error(`call ended: ${reason}`));
    this.options.hangUp(reason);
    const session = this.session;
    this.session = undefined;
    try {
      await session?.close();
    } catch {
      /* closing anyway */
    }
    if (this.options.output instanceof PacedAudioOutput) this.options.output.close();
    await this.speech?.stt.close();
    await this.speech?.tts.close();
    this.bridge.close();
    this.emit({ type: "ended", reason });
    this.resolveEnded(reason);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Speech synthesized for a message that will not use it (cut, not spoken, or the call is over). */
function cancelReady(ready: Map<string, Presynthesized> | undefined): void {
  for (const speech of ready?.values() ?? []) speech.cancel();
  ready?.clear();
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const BACKCHANNEL = new Set(
  ["mm", "mmm", "hmm", "mhm", "mm-hmm", "mm hmm", "uh-huh", "uh huh", "uh", "um", "ah", "oh", "yeah", "yep", "ok", "okay", "right", "sure",
   "sí", "vale", "ajá", "oui", "d'accord", "ja", "genau", "sì", "certo", "sim", "ok ok"],
);

/** A short acknowledgement ("mm-hmm", "okay") rather than a turn. */
export function isBackchannel(text: string): boolean {
  const normalized = text.toLowerCase().replace(/[.,!?¡¿…]/g, "").replace(/\s+/g, " ").trim();
  return normalized.split(" ").length <= 2 && (BACKCHANNEL.has(normalized) || normalized.split(" ").every((w) => BACKCHANNEL.has(w)));
}

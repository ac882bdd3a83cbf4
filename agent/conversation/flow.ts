import type { ConversationSettings } from "../../protocol/settings/conversation.ts";
import type { Prompts } from "../prompts.ts";
import { pickMessage } from "./pick.ts";
import { afterSilence, silenceWatched } from "./silence.ts";

/** What the conversation's timers do to the call (agent/call.ts). */
export interface FlowHost {
  /** Speaks one of our own sentences after what is queued; resolves once it has played (or was cut). */
  say(text: string): Promise<void>;
  /** The bot asked to be told of reprompts. */
  notifyReprompt(): void;
  hangUp(reason: "silence_timeout" | "bot_not_responding"): void;
}

export interface FlowOptions {
  settings: ConversationSettings;
  prompts: Prompts;
  /** Overrides `botSlowSeconds` for every service (the agent's NO_REPLY_TIMEOUT_MS, for tests and benchmarks). */
  botSlowMs?: number | undefined;
}

/**
 * The timers between the words of a call (conversation settings): silence reprompts after the bot's speech, and the
 * holding message and apology when the bot is slow to answer the caller. Decisions are in silence.ts and pick.ts.
 */
export class ConversationFlow {
  private reprompts = 0;
  /** A caller turn went to the bot and no reply has come yet: silence is the bot's, not the caller's. */
  private awaitingBot = false;
  private silenceTimer: NodeJS.Timeout | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly host: FlowHost,
    private readonly options: FlowOptions,
  ) {}

  private get settings(): ConversationSettings {
    return this.options.settings;
  }

  /** A caller turn was sent to the bot: wait for its reply. */
  callerTurnSent(): void {
    this.reprompts = 0;
    this.cancelSilence();
    this.clearBotWait();
    this.awaitingBot = true;
    this.slowTimer = setTimeout(() => {
      this.slowTimer = undefined;
      void this.host.say(pickMessage(this.settings.botSlowMessages, this.options.prompts.stillThere));
    }, this.options.botSlowMs ?? this.settings.botSlowSeconds * 1000);
    if (this.settings.botGiveUpSeconds > 0) {
      this.giveUpTimer = setTimeout(() => void this.giveUp(), this.settings.botGiveUpSeconds * 1000);
    }
  }

  /** The caller said something that did not go to the bot (repeat, no match): their silence is counted anew. */
  callerHeard(): void {
    this.reprompts = 0;
    this.cancelSilence();
  }

  /** A message from the bot arrived (or its delivery failed for good): it is no longer awaited. */
  botAnswered(): void {
    this.awaitingBot = false;
    this.reprompts = 0;
    this.clearBotWait();
    this.cancelSilence();
  }

  /** The caller started speaking: no reprompt now. */
  callerSpeaking(): void {
    this.cancelSilence();
  }

  /** Everything queued has played: the caller's silence starts now (unless the bot is the one expected to speak). */
  speechIdle(): void {
    if (this.closed || this.awaitingBot || !silenceWatched(this.settings)) return;
    this.cancelSilence();
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = undefined;
      this.onSilence();
    }, this.settings.silenceSeconds * 1000);
  }

  private onSilence(): void {
    if (this.closed) return;
    const action = afterSilence(this.reprompts, this.settings);
    if (action.kind === "reprompt") {
      this.reprompts = action.count;
      if (this.settings.silenceNotifyBot) this.host.notifyReprompt();
      void this.host.say(pickMessage(this.settings.silenceMessages, this.options.prompts.reprompt));
    } else if (action.kind === "end_call") this.host.hangUp("silence_timeout");
  }

  private async giveUp(): Promise<void> {
    this.giveUpTimer = undefined;
    if (this.closed) return;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = undefined;
    await this.host.say(this.settings.botGiveUpMessage || this.options.prompts.botGiveUp);
    if (this.settings.botGiveUpEndsCall && !this.closed && this.awaitingBot) this.host.hangUp("bot_not_responding");
  }

  private cancelSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private clearBotWait(): void {
    if (this.slowTimer) clearTimeout(this.slowTimer);
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.slowTimer = this.giveUpTimer = undefined;
  }

  close(): void {
    this.closed = true;
    this.cancelSilence();
    this.clearBotWait();
  }
}

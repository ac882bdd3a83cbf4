import type { Hints } from "../../protocol/hints.ts";
import type { ServiceSettings } from "../../protocol/service-settings.ts";

/** One message of the caller's side, as a platform adaptor sees it. */
export interface PlatformTurn {
  /** start: the call's `new`; end: its `last`; text: what the caller said; dtmf: keys the caller pressed. */
  kind: "start" | "text" | "dtmf" | "end";
  text: string;
  digits: string;
  /** The message's sequence number on the call: grows with each message. */
  seq: number;
  conversation: string;
  from: string;
  to: string;
  language: string;
}

/** What a messaging-API bot could have sent back: text to speak, the end of the call, call-control hints. */
export interface BotReply {
  body: string;
  last: boolean;
  hints?: Hints;
}

export type PlatformOutcome =
  | { kind: "delivered"; replies: BotReply[] }
  | { kind: "retry"; error: string }
  | { kind: "failed"; error: string };

/** A platform adaptor's small state on a call (its conversation id on the platform, a watermark…), kept in the call's storage. */
export interface SessionStore<State> {
  read(): State | undefined;
  write(state: State): void;
}

export interface AdaptorEnv {
  BOT_TIMEOUT_MS?: string;
  ALLOW_PRIVATE_BOT_URLS?: string;
  /** How long to poll a platform that answers asynchronously (Direct Line, Botpress) for a turn's replies. */
  PLATFORM_REPLY_WAIT_MS?: string;
  PLATFORM_POLL_INTERVAL_MS?: string;
}

/** What an adaptor needs to deliver one turn. */
export interface PlatformCall {
  /** The service's bot URL: the platform's address. */
  url: string;
  settings: ServiceSettings;
  env: AdaptorEnv;
  session: SessionStore<unknown>;
  /**
   * Takes replies as soon as they are read, before the turn is over: for platforms read by polling, so the caller
   * hears the bot without waiting for the read that ends the turn. What an adaptor returns is taken after them.
   */
  hear(replies: BotReply[]): Promise<void>;
}

export interface PlatformAdaptor {
  deliver(turn: PlatformTurn, call: PlatformCall): Promise<PlatformOutcome>;
}

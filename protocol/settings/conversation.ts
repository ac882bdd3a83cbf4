import { z } from "zod";
import { plainSettings } from "./define.ts";

/**
 * What happens between the words of a call (docs/api.md, "Conversation settings"): a greeting while the bot
 * thinks, silence reprompts, a slow bot, no match, yes/no alternatives, repeat, barge-in policy, speech hints, the
 * end-of-prompt notice and stale replies. Every default keeps the behaviour calls had before these settings.
 */
export const BARGE_IN_POLICIES = ["any", "speech", "dtmf", "none"] as const;
export type BargeInPolicy = (typeof BARGE_IN_POLICIES)[number];

/** What becomes of a bot's reply to a caller turn older than the latest (`hints.inReplyTo`). */
export const STALE_REPLY_POLICIES = ["speak", "drop", "speak_if_latest"] as const;
export type StaleReplyPolicy = (typeof STALE_REPLY_POLICIES)[number];

export const CONVERSATION_LIMITS = {
  sentence: 500,
  messages: 10,
  silenceSeconds: { min: 1, max: 120 },
  repromptTimes: { min: 1, max: 10 },
  botSlowSeconds: { min: 1, max: 60 },
  botGiveUpSeconds: { min: 5, max: 300 },
  words: 50,
  wordLength: 50,
  pattern: 200,
  keyterms: 100,
} as const;

const Sentence = z.string().trim().max(CONVERSATION_LIMITS.sentence);
const Sentences = z.array(Sentence.min(1)).max(CONVERSATION_LIMITS.messages);
const Words = z.array(z.string().trim().min(1).max(CONVERSATION_LIMITS.wordLength)).max(CONVERSATION_LIMITS.words);
const seconds = ({ min, max }: { min: number; max: number }) => z.number().min(min).max(max);
/** 0 turns the feature off; otherwise within its range. */
const secondsOrOff = (range: { min: number; max: number }) =>
  z.number().refine((n) => n === 0 || (n >= range.min && n <= range.max), `0 (off) or from ${range.min} to ${range.max} seconds`);

/** A JavaScript regular expression, matched case-insensitively against the caller's words. */
const Pattern = z
  .string()
  .max(CONVERSATION_LIMITS.pattern)
  .refine((source) => {
    try {
      new RegExp(source, "iu");
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression");

export const conversationSettings = plainSettings(
  {
    /** Spoken as soon as the call is answered, before the bot's first message ("" = none). */
    greeting: Sentence,
    /** Seconds of caller silence after the bot's speech before a reprompt (0 = no reprompts). */
    silenceSeconds: secondsOrOff(CONVERSATION_LIMITS.silenceSeconds),
    /** Reprompts, one picked at random ([] = the built-in one in the service's language). */
    silenceMessages: Sentences,
    /** How many reprompts in a row at most. */
    silenceMaxReprompts: z.number().int().min(CONVERSATION_LIMITS.repromptTimes.min).max(CONVERSATION_LIMITS.repromptTimes.max),
    /** After the last reprompt and another silence, end the call (the bot gets `last` with `hints.event: "silence_timeout"`). */
    silenceEndsCall: z.boolean(),
    /** Tell the bot of each reprompt: an empty message with `hints.event: "reprompt"`. */
    silenceNotifyBot: z.boolean(),
    /** Seconds without a reply to the caller's turn before a holding message. */
    botSlowSeconds: seconds(CONVERSATION_LIMITS.botSlowSeconds),
    /** Holding messages, one picked at random ([] = "One moment, please." in the service's language). */
    botSlowMessages: Sentences,
    /** Seconds without a reply after which the caller hears an apology (0 = never). */
    botGiveUpSeconds: secondsOrOff(CONVERSATION_LIMITS.botGiveUpSeconds),
    /** The apology ("" = the built-in one in the service's language). */
    botGiveUpMessage: Sentence,
    /** End the call after the apology (`bot_not_responding`; the bot gets `last`). */
    botGiveUpEndsCall: z.boolean(),
    /** Below this recognizer confidence (0–1) the caller's words are not sent; a no-match message is said (0 = off). */
    noMatchConfidence: z.number().min(0).max(1),
    /** No-match messages, one picked at random ([] = the built-in one in the service's language). */
    noMatchMessages: Sentences,
    /** Map the language's words for yes and no (yeah, yep, sure…) to "yes"/"no" before the bot sees them. */
    yesNoAlternatives: z.boolean(),
    /** The service's own words for yes, added to the language's list. */
    yesWords: Words,
    /** The service's own words for no, added to the language's list. */
    noWords: Words,
    /** A regular expression on the caller's words that repeats the bot's last message without reaching the bot ("" = off). */
    repeatPattern: Pattern,
    /** What interrupts the bot: `any` (voice or keys), `speech`, `dtmf` or `none`. */
    bargeIn: z.enum(BARGE_IN_POLICIES),
    /** Words and names the recognizer should expect (Deepgram `keyterm`/`keywords`, the offline phrase grammar). */
    speechKeyterms: Words.max(CONVERSATION_LIMITS.keyterms),
    /** Tell the bot when each of its messages has finished playing: an empty message with `hints.event: "endofprompt"`. */
    endOfPromptNotice: z.boolean(),
    /** A reply to a caller turn older than the latest: `speak`, `drop`, or `speak_if_latest` (only if no newer bot message came). */
    staleReplies: z.enum(STALE_REPLY_POLICIES),
  },
  {
    greeting: "",
    silenceSeconds: 0,
    silenceMessages: [],
    silenceMaxReprompts: 2,
    silenceEndsCall: false,
    silenceNotifyBot: false,
    botSlowSeconds: 8,
    botSlowMessages: [],
    botGiveUpSeconds: 0,
    botGiveUpMessage: "",
    botGiveUpEndsCall: false,
    noMatchConfidence: 0,
    noMatchMessages: [],
    yesNoAlternatives: false,
    yesWords: [],
    noWords: [],
    repeatPattern: "",
    bargeIn: "any",
    speechKeyterms: [],
    endOfPromptNotice: false,
    staleReplies: "speak",
  },
);

export type ConversationSettings = typeof conversationSettings.defaults;

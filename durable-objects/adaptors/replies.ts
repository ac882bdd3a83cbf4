import type { BotReply } from "./types.ts";

/** The call-control replies every adaptor maps its platform's signals onto (docs/api.md, "Bot platforms"). */
export const say = (text: string): BotReply => ({ body: text, last: false });

/** The end of the call: marks the last reply as `last`, or adds an empty `last` message when there is none to mark. */
export function endCall(replies: BotReply[]): BotReply[] {
  const lastReply = replies.at(-1);
  if (lastReply && !lastReply.last && lastReply.hints === undefined) return [...replies.slice(0, -1), { ...lastReply, last: true }];
  return [...replies, { body: "", last: true }];
}

/**
 * A transfer: the `hints.telephony` a messaging-API bot sends to transfer, with the `<transfer/>` markup tag as its
 * body so it is never spoken (and is acted on where the body's markup is).
 */
export function transfer(referTo: string | undefined): BotReply {
  const target = referTo && /^[+\w:@.;=-]+$/.test(referTo) ? referTo : undefined;
  return {
    body: target ? `<transfer referto="${target}"/>` : "<transfer/>",
    last: false,
    hints: { telephony: { action: "transfer", ...(target ? { referTo: target } : {}) } },
  };
}

/** Keys sent on the call: the `<dtmf/>` markup tag (characters other than 0-9*#w are dropped by the parser). */
export function sendDigits(digits: string): BotReply | undefined {
  const kept = digits.replace(/[^0-9*#w]/g, "");
  return kept === "" ? undefined : { body: `<dtmf digits="${kept}"/>`, last: false };
}

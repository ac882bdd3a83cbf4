import { z } from "zod";
import { endCall, say, transfer } from "./replies.ts";
import type { BotReply, PlatformTurn } from "./types.ts";

/**
 * Dialogflow CX (pure). The bot URL is the agent's address,
 * `https://{location}-dialogflow.googleapis.com/v3/projects/{project}/locations/{location}/agents/{agent}`; each turn
 * is one `POST {agent}/sessions/{conversation}:detectIntent` in the service's language. The call's start triggers
 * the agent's Default Welcome Intent (its fixed id `00000000-0000-0000-0000-000000000000`), as Dialogflow's own
 * telephony does; keys are a `dtmf` input; the call's end is not sent (CX sessions simply expire).
 */
export const DEFAULT_WELCOME_INTENT_ID = "00000000-0000-0000-0000-000000000000";

export const agentBase = (botUrl: string) => botUrl.replace(/\/+$/, "");
export const detectIntentUrl = (botUrl: string, conversation: string) =>
  `${agentBase(botUrl)}/sessions/${encodeURIComponent(conversation)}:detectIntent`;

/** The agent's resource name (`projects/…/agents/…`) from its URL, for the welcome intent's name. */
export function agentName(botUrl: string): string {
  const path = new URL(agentBase(botUrl)).pathname;
  const at = path.indexOf("projects/");
  return at >= 0 ? path.slice(at) : path.replace(/^\/+/, "");
}

export function detectIntentRequest(turn: PlatformTurn, botUrl: string): Record<string, unknown> | null {
  const languageCode = turn.language;
  const queryParams = { parameters: { caller: turn.from, called: turn.to } };
  switch (turn.kind) {
    case "start":
      return { queryInput: { intent: { intent: `${agentName(botUrl)}/intents/${DEFAULT_WELCOME_INTENT_ID}` }, languageCode }, queryParams };
    case "text":
      return { queryInput: { text: { text: turn.text }, languageCode }, queryParams };
    case "dtmf":
      return { queryInput: { dtmf: { digits: turn.digits }, languageCode }, queryParams };
    case "end":
      return null;
  }
}

const ResponseMessage = z
  .object({
    text: z.object({ text: z.array(z.string()).optional() }).loose().optional(),
    outputAudioText: z.object({ text: z.string().optional(), ssml: z.string().optional() }).loose().optional(),
    endInteraction: z.object({}).loose().optional(),
    liveAgentHandoff: z.object({ metadata: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
    telephonyTransferCall: z.object({ phoneNumber: z.string().optional() }).loose().optional(),
  })
  .loose();
const DetectIntentResponse = z
  .object({ queryResult: z.object({ responseMessages: z.array(ResponseMessage).optional() }).loose() })
  .loose();

/**
 * The agent's response messages as bot messages: `text` and `outputAudioText` are said; `endInteraction` ends the
 * call; `liveAgentHandoff` (its metadata's `phoneNumber` or `referTo`, when there is one) and
 * `telephonyTransferCall` transfer. Undefined when the answer is not a detectIntent response.
 */
export function dialogflowReplies(answer: unknown): BotReply[] | undefined {
  const parsed = DetectIntentResponse.safeParse(answer);
  if (!parsed.success) return undefined;
  let replies: BotReply[] = [];
  let ended = false;
  for (const message of parsed.data.queryResult.responseMessages ?? []) {
    for (const text of message.text?.text ?? []) if (text.trim() !== "") replies.push(say(text));
    const audioText = message.outputAudioText?.text ?? message.outputAudioText?.ssml;
    if (audioText !== undefined && audioText.trim() !== "") replies.push(say(audioText));
    if (message.liveAgentHandoff) {
      const metadata = message.liveAgentHandoff.metadata ?? {};
      const target = metadata.phoneNumber ?? metadata.referTo;
      replies.push(transfer(typeof target === "string" ? target : undefined));
    }
    if (message.telephonyTransferCall) replies.push(transfer(message.telephonyTransferCall.phoneNumber));
    if (message.endInteraction) ended = true;
  }
  if (ended) replies = endCall(replies);
  return replies;
}

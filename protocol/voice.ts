import { z } from "zod";
import { endReasonText } from "./end-reasons.ts";
import type { TransferResult } from "./transfer.ts";

/** `POST /api/v1/services/{id}/browser-calls`: how the portal's "Call from browser" joins a call. */
export const BrowserCallSchema = z.discriminatedUnion("mode", [
  /** Join LiveKit room `room` at `url` with `token` (10 minutes to join); the agent has been dispatched to it. */
  z.object({ mode: z.literal("livekit"), url: z.string(), token: z.string(), room: z.string() }),
  /**
   * No LiveKit: open the local agent's WebSocket `{agentUrl}/calls?ticket={ticket}` (docs/voice.md, "Local
   * transport") before `expiresAt` (2 minutes); the ticket places one call, on this service, as `browser-<account>`.
   */
  z.object({ mode: z.literal("local"), agentUrl: z.string(), ticket: z.string(), expiresAt: z.string() }),
]);
export type BrowserCall = z.infer<typeof BrowserCallSchema>;

/** `GET /api/v1/voice/config`: which call path this gateway offers. */
export const VoiceConfigSchema = z.object({
  mode: z.enum(["livekit", "local", "none"]),
  agentUrl: z.string().optional(),
});
export type VoiceConfig = z.infer<typeof VoiceConfigSchema>;

/** The LiveKit token of a browser participant lives this long (it only has to last until the room is joined). */
export const BROWSER_TOKEN_TTL_SECONDS = 600;

/** A call's events, as the agent reports them (agent/call.ts), and as its local transport sends them as JSON. */
export type CallEvent =
  | {
      type: "started";
      conversation: string;
      language: string;
      testMode: boolean;
      stt: string;
      tts: string;
      /** false when the recognizer does not know the call's language (offline pocketsphinx has only English). */
      sttUnderstandsLanguage: boolean;
    }
  | { type: "caller"; text: string; final: boolean }
  | { type: "bot"; id: number | null; text: string }
  | { type: "interrupted"; id: number | null; spokenText: string }
  /** The caller's speech stopped the bot: ms from the VAD's detection to the audio stopped, measured in the agent. */
  | { type: "barge_in"; detectedToStoppedMs: number }
  /** A transfer the bot asked for ended: `transferred` (the call ends next) or why it failed (the call goes on). */
  | { type: "transfer"; to: string; result: TransferResult }
  | { type: "ended"; reason: string };

/**
 * What the local transport sends as JSON: the call's events, `clear` (drop the audio not played yet), and `dtmf`:
 * one key the bot sends on the call (its `<dtmf digits>` markup), in order.
 */
export type LocalCallMessage = CallEvent | { type: "clear" } | { type: "dtmf"; digits: string };

/** Reasons the agent may end a local call with beyond the call end reasons (agent/call.ts, protocol/bridge.ts). */
const LOCAL_END_REASON_TEXT: Record<string, string> = {
  bot_ended: "the bot ended the call",
  error: "the voice agent hit an error",
  bridge_closed: "the voice agent lost the gateway",
  service_not_found: "the service was not found",
};

/** Words for the reason in a local call's `ended` event. */
export function localEndReasonText(reason: string): string {
  return LOCAL_END_REASON_TEXT[reason] ?? endReasonText(reason);
}

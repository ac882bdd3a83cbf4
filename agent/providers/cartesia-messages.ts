import { z } from "zod";

/** Cartesia's TTS WebSocket (`/tts/websocket`): what we send for one sentence, and the replies we act on. */

export interface CartesiaRequest {
  model_id: string;
  transcript: string;
  voice: { mode: "id"; id: string };
  language: string;
  context_id: string;
  output_format: { container: "raw"; encoding: "pcm_s16le"; sample_rate: number };
  /** The whole sentence in one request: no continuation. */
  continue: false;
  generation_config?: { speed: number };
}

const base = { context_id: z.string().optional(), status_code: z.number().optional() };
const serverMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chunk"), data: z.string(), done: z.boolean().optional(), ...base }),
  z.object({ type: z.literal("done"), ...base }),
  z.object({
    type: z.literal("error"),
    done: z.boolean().optional(),
    error: z.string().optional(),
    message: z.string().optional(),
    title: z.string().optional(),
    ...base,
  }),
]);

export type CartesiaReply =
  | { kind: "audio"; contextId: string | undefined; bytes: Uint8Array }
  | { kind: "done"; contextId: string | undefined }
  | { kind: "error"; contextId: string | undefined; status: number; message: string }
  | { kind: "other" };

/** One text message from Cartesia. Timestamps, flush acknowledgements and unknown types are `other`. */
export function parseCartesiaMessage(raw: string): CartesiaReply {
  let parsed: z.infer<typeof serverMessage>;
  try {
    const result = serverMessage.safeParse(JSON.parse(raw));
    if (!result.success) return { kind: "other" };
    parsed = result.data;
  } catch {
    return { kind: "other" };
  }
  switch (parsed.type) {
    case "chunk":
      return { kind: "audio", contextId: parsed.context_id, bytes: Buffer.from(parsed.data, "base64") };
    case "done":
      return { kind: "done", contextId: parsed.context_id };
    case "error":
      return {
        kind: "error",
        contextId: parsed.context_id,
        status: parsed.status_code ?? 500,
        message: parsed.message ?? parsed.error ?? parsed.title ?? "Cartesia error",
      };
  }
}

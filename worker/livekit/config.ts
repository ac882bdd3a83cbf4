import { z } from "zod";
import { liveKitApiUrl } from "../../protocol/livekit.ts";

/** The LiveKit settings a Worker may have (vars / secrets; `.dev.vars` locally). All three are needed to use LiveKit. */
const LiveKitEnvSchema = z.object({
  LIVEKIT_URL: z.url({ protocol: /^(wss?|https?)$/ }),
  LIVEKIT_API_KEY: z.string().min(1),
  LIVEKIT_API_SECRET: z.string().min(1),
  LIVEKIT_AGENT_NAME: z.string().min(1).optional(),
});

export interface LiveKitConfig {
  /** As configured (usually `wss://…`): what browsers connect to. */
  url: string;
  /** The same server for the server API (Twirp over http(s)). */
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
  agentName: string;
}

export const DEFAULT_AGENT_NAME = "phonemybot";

/** The LiveKit configuration, or null when LiveKit is not configured (any of the three variables missing or empty). */
export function liveKitConfig(env: object): LiveKitConfig | null {
  const vars = env as Record<string, unknown>;
  if (!vars.LIVEKIT_URL || !vars.LIVEKIT_API_KEY || !vars.LIVEKIT_API_SECRET) return null;
  const parsed = LiveKitEnvSchema.safeParse(vars);
  if (!parsed.success) {
    throw new Error(`LiveKit is misconfigured: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const { LIVEKIT_URL: url, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret, LIVEKIT_AGENT_NAME } = parsed.data;
  return { url, apiUrl: liveKitApiUrl(url), apiKey, apiSecret, agentName: LIVEKIT_AGENT_NAME ?? DEFAULT_AGENT_NAME };
}

/** The local voice agent's URL (`npm start` passes AGENT_LOCAL_URL), or null. */
export function localAgentUrl(env: object): string | null {
  const value = (env as Record<string, unknown>).AGENT_LOCAL_URL;
  return typeof value === "string" && value !== "" ? value : null;
}

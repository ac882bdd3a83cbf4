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

const WILDCARD_HOSTS = new Set(["0.0.0.0", "[::]"]);

/**
 * The local voice agent's URL for a browser that reached the gateway at `requestUrl`, or null when there is no local
 * agent. `AGENT_PUBLIC_URL` when set; otherwise `AGENT_LOCAL_URL` (which `npm start` passes), where a wildcard host
 * (the agent listens on every interface: `HOST=0.0.0.0` or `::`) becomes the host name the browser used for the
 * gateway, since that name reaches this machine from the browser.
 */
export function localAgentUrl(env: object, requestUrl: string): string | null {
  const vars = env as Record<string, unknown>;
  if (typeof vars.AGENT_PUBLIC_URL === "string" && vars.AGENT_PUBLIC_URL !== "") return vars.AGENT_PUBLIC_URL;
  const value = vars.AGENT_LOCAL_URL;
  if (typeof value !== "string" || value === "") return null;
  const url = new URL(value);
  if (!WILDCARD_HOSTS.has(url.hostname)) return value;
  url.hostname = new URL(requestUrl).hostname;
  return url.toString().replace(/\/$/, "");
}

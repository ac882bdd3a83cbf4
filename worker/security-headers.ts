import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./auth/api-key.ts";
import { liveKitConfig, localAgentUrl } from "./livekit/config.ts";

/** Paths the Worker answers itself; every other path is the portal (web/dist, served through `env.ASSETS`). */
export const isGatewayPath = (path: string) => /^\/(api|cloudengine|agent)(\/|$)/.test(path) || path === "/healthz";

/**
 * Where the portal's pages may open connections besides their own origin: the LiveKit server (wss:// for the room,
 * https:// for its HTTP calls) and the local voice agent (socket and HTTP). Both come from the helpers that answer the
 * browser-calls route, so the policy allows exactly the addresses the page is given.
 */
export function voiceConnectSources(c: Context<AppEnv>): string[] {
  const sources: string[] = [];
  let liveKitUrl: string | undefined;
  try {
    liveKitUrl = liveKitConfig(c.env)?.url;
  } catch {
    // Misconfigured: the browser-calls route answers 503 and the page never connects to it.
  }
  if (liveKitUrl) {
    const host = new URL(liveKitUrl).host;
    const secure = /^(wss|https):/.test(liveKitUrl);
    sources.push(`${secure ? "wss" : "ws"}://${host}`, `${secure ? "https" : "http"}://${host}`);
  }
  const agentUrl = localAgentUrl(c.env, c.req.url);
  if (agentUrl) {
    const url = new URL(agentUrl);
    // Its socket for calls, and its HTTP for the Voice card's list of voices and their samples.
    sources.push(`${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`, `${url.protocol}//${url.host}`);
  }
  return sources;
}

/** Shared by every answer: no framing, no MIME sniffing, no referrer, and only the microphone among powerful features. */
const common: Parameters<typeof secureHeaders>[0] = {
  xFrameOptions: "DENY",
  permissionsPolicy: { microphone: ["self"], camera: [], geolocation: [], payment: [], usb: [] },
};

/** The portal: its own scripts, styles and assets only (web/dist/index.html has nothing inline; the favicon is a data: URL). */
const portalHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'", (c) => voiceConnectSources(c as Context<AppEnv>).join(" ")],
    // Call from browser: an AudioWorklet module from the portal's own assets, and audio from the page or from blobs.
    workerSrc: ["'self'", "blob:"],
    mediaSrc: ["'self'", "blob:"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

/** JSON and WebSocket endpoints: nothing to load, nowhere to be framed. */
const apiHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
});

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A WebSocket handshake's answer is never a document, and the Durable Object's 101 response cannot be changed.
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") return next();
  return isGatewayPath(c.req.path) ? apiHeaders(c, next) : portalHeaders(c, next);
};

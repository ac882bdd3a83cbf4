/**
 * LiveKit's server API (Twirp over HTTP) is served at the address clients connect to over WebSocket: `wss://host`
 * → `https://host`, `ws://host` → `http://host`. Used by the Worker (provisioning, dispatch) and the agent (hang-up).
 */
export function liveKitApiUrl(url: string): string {
  return url.replace(/^ws/, "http");
}

/**
 * The bindings the Worker and its Durable Objects share (wrangler.toml), and stubs onto the objects. Here, beside the
 * objects, so they need nothing from worker/ to reach each other; the Worker reaches this module through worker/env.ts.
 */

/**
 * The Durable Object class behind each namespace binding. Each class's module adds itself to this interface
 * (`declare module "./bindings.ts"`), so this module imports none of them and they import it without a cycle.
 */
export interface DurableObjectClasses {}

export interface Env {
  CONVERSATIONS: DurableObjectNamespace<DurableObjectClasses["CONVERSATIONS"]>;
  SERVICES: DurableObjectNamespace<DurableObjectClasses["SERVICES"]>;
  DIRECTORY: DurableObjectNamespace<DurableObjectClasses["DIRECTORY"]>;
  /** The price table; validated where it is read (see worker/pricing.ts). */
  PRICING: unknown;
  /** The portal's files (web/dist; wrangler.toml [assets]). */
  ASSETS: Fetcher;
  BOT_TIMEOUT_MS?: string;
  /** How long a bot platform that answers asynchronously (Direct Line, Botpress) is polled for a turn's replies, and how often. */
  PLATFORM_REPLY_WAIT_MS?: string;
  PLATFORM_POLL_INTERVAL_MS?: string;
  DELIVERY_RETRY_DELAYS_MS?: string;
  /** How long a call waits for its agent's dropped socket to come back (ms); default 5000. */
  AGENT_RECONNECT_GRACE_MS?: string;
  /** How often a call checks that its agent's socket is open (ms); default 30000. */
  AGENT_CHECK_INTERVAL_MS?: string;
  /** How many ms a "minute" of the call limits (maxCallMinutes, idleTimeoutMinutes) lasts; 60000 but in tests. */
  CALL_LIMIT_MINUTE_MS?: string;
  /** How long a call the bot started rings before it fails as `no answer` (ms); default 30000. */
  OUTBOUND_RING_TIMEOUT_MS?: string;
  /** Shared with the voice agent; authenticates its WebSocket onto calls. */
  AGENT_SECRET?: string;
  /** "true" only in local development: lets bot URLs point at loopback and private addresses. */
  ALLOW_PRIVATE_BOT_URLS?: string;
  SEND_PER_TOKEN?: RateLimit;
  SEND_PER_CLIENT?: RateLimit;
  LOGIN_PER_CLIENT?: RateLimit;
}

export const directory = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
export const serviceStub = (env: Env, serviceId: string) => env.SERVICES.get(env.SERVICES.idFromName(serviceId));
export const conversationStub = (env: Env, conversation: string) =>
  env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(conversation));

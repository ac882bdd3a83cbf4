/**
 * A typed client for the gateway's management and messaging APIs: openapi-fetch over the types openapi-typescript
 * generates from GET /api/v1/openapi.json (client/schema.d.ts, `npm run client:generate`). Every path, parameter,
 * request body and answer is checked by the compiler against the document the Worker serves.
 *
 *   const api = managementClient("http://localhost:8787", process.env.PHONEMYBOT_API_KEY);
 *   const { data, error } = await api.POST("/api/v1/services/{id}/calls", { params: { path: { id } }, body: { from } });
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema.d.ts";

export type { paths } from "./schema.d.ts";
export type PhoneMyBotClient = Client<paths>;

/** Options passed on to openapi-fetch (e.g. `fetch`, extra `headers`). */
export type ClientExtras = Omit<ClientOptions, "baseUrl">;

/** The management API (`/api/v1`) as the account whose API key is `apiKey` (no key: only the open routes). */
export function managementClient(baseUrl: string, apiKey?: string, extras: ClientExtras = {}): PhoneMyBotClient {
  const headers = { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(extras.headers as Record<string, string> | undefined) };
  return createClient<paths>({ ...extras, baseUrl, headers });
}

/** The messaging API as a bot: `POST /cloudengine/rest/voicebot/send/{conversation}` with the service's PhoneMyBot token. */
export function messagingClient(baseUrl: string, token: string, extras: ClientExtras = {}): PhoneMyBotClient {
  const headers = { authorization: `Basic ${token}`, ...(extras.headers as Record<string, string> | undefined) };
  return createClient<paths>({ ...extras, baseUrl, headers });
}

type Json<Path extends keyof paths, Method extends keyof paths[Path], Status extends number> = paths[Path][Method] extends {
  responses: { [S in Status]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

/** A call with its transcript (`GET /api/v1/calls/{conversation}`). */
export type CallRecord = Json<"/api/v1/calls/{conversation}", "get", 200>;
/** One message of a call, either direction. */
export type CallRecordMessage = CallRecord["messages"][number];
/** A service as the management API shows it. */
export type ServiceView = Json<"/api/v1/services/{id}", "get", 200>;
/** What `POST /api/v1/services/{id}/browser-calls` answers. */
export type BrowserCallAnswer = Json<"/api/v1/services/{id}/browser-calls", "post", 201>;

/** A request the gateway answered with an error status: the status and the documented error body. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: ${status} ${describeErrorBody(body)}`);
    this.name = "ApiRequestError";
  }
}

/** The words of an error body: `{error, details:[{field, message}]}` (management) or `{success, reason}` (messaging). */
export function describeErrorBody(body: unknown): string {
  if (typeof body !== "object" || body === null) return String(body ?? "");
  const { error, details, reason } = body as { error?: unknown; details?: unknown; reason?: unknown };
  const fields = Array.isArray(details)
    ? details.map((d: { field?: unknown; message?: unknown }) => `${String(d.field)}: ${String(d.message)}`).join("; ")
    : "";
  const words = [error, reason].filter((w) => typeof w === "string").join(" ");
  return fields ? `${words} (${fields})` : words || JSON.stringify(body);
}

/** The data of a successful openapi-fetch result; an `ApiRequestError` otherwise. */
export function expectData<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.error !== undefined || !result.response.ok) throw new ApiRequestError(result.response.status, result.error, what);
  return result.data as T;
}

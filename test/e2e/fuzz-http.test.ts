import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBot } from "../support/fake-bot.ts";
import { jsonValue, nearlyValidBody, weird } from "../support/arbitraries.ts";
import { type Gateway, callGateway, startGateway } from "./server.ts";

// Property-based fuzzing of every HTTP endpoint over real HTTP against `npm start`'s server: 8,000 generated
// requests per run (a new seed each run, printed on failure). The property: never a 5xx, and the messaging API
// always answers in its documented shape.

/**
 * What wrangler dev's own proxy (not our Worker, which never says it) answers when its pooled connection to the
 * local runtime drops under load; it retries GET and HEAD itself and asks for everything else to be sent again.
 */
const DEV_PROXY_RETRY = "Your worker restarted mid-request";

let gateway: Gateway;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
beforeAll(async () => {
  [gateway, bot] = await Promise.all([startGateway(), startFakeBot()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([gateway?.stop(), bot?.close()]);
});

const call = async (path: string, init: Parameters<typeof callGateway>[2] = {}) => (await callGateway(gateway.url, path, init)).body;

describe("fuzzing the HTTP endpoints", () => {
  it("answers 8,000 generated requests without a 5xx", async () => {
    const signUp = () => call("/api/v1/accounts", { method: "POST", json: { email: `fuzz-${crypto.randomUUID()}@example.com`, password: "fuzzing password" } });
    const owner = await signUp();
    const stranger = await signUp();
    const service = await call("/api/v1/services", { method: "POST", key: owner.apiKey, json: { name: "fuzz", language: "en-US" } });
    const configured = await call(`/api/v1/services/${service.id}`, { method: "PATCH", key: owner.apiKey, json: { botUrl: `${bot.url}/bot/{conversation}`, botToken: "fuzz" } });
    const { conversation } = await call(`/api/v1/services/${service.id}/calls`, { method: "POST", key: owner.apiKey, json: { from: "+15550001111" } });
    // The fuzzer may reconfigure or delete this second service at will; the call stays on the first.
    const scratch = await call("/api/v1/services", { method: "POST", key: owner.apiKey, json: { name: "scratch", language: "en-US" } });

    const ids = fc.oneof(fc.constantFrom(scratch.id, conversation, crypto.randomUUID()), weird.map(encodeURIComponent));
    const path = fc.oneof(
      ids.map((c) => `/cloudengine/rest/voicebot/send/${c}`),
      fc.constantFrom("/api/v1/accounts", "/api/v1/account/api-keys", "/api/v1/services", "/api/v1/openapi.json", "/healthz", "/api/v1/session", "/nope", "/cloudengine/rest/voicebot/send/"),
      ids.map((id) => `/api/v1/account/api-keys/${id}`),
      fc.tuple(ids, fc.constantFrom("", "/events", "/usage", "/calls", "/reset-demo", "/test-sessions", "/test-sessions/x")).map(([id, rest]) => `/api/v1/services/${id}${rest}`),
      fc.tuple(ids, fc.constantFrom("", "/utterances", "/pin", "/chat")).map(([id, rest]) => `/api/v1/calls/${id}${rest}`),
      fc.tuple(fc.constantFrom("/api/v1/services/", "/api/v1/calls/"), weird, fc.string()).map(([a, b, q]) => `${a}${encodeURIComponent(b)}?from=${encodeURIComponent(q)}&to=${encodeURIComponent(q)}&limit=${encodeURIComponent(q)}`),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(`Bearer ${owner.apiKey}`, `Bearer ${stranger.apiKey}`, `Basic ${configured.token}`, "Basic", "Bearer", "Basic a b", "Digest x"),
      weird.map((w) => `Basic ${w}`),
      weird,
    );
    const body = fc.oneof(nearlyValidBody.map((b) => JSON.stringify(b)), jsonValue.map((v) => JSON.stringify(v)), weird);
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "");

    const seed = Date.now() % 2 ** 31;
    const cases = fc.sample(fc.tuple(fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT"), path, authorization, body, contentType), { numRuns: 8_000, seed });
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < cases.length) {
          const [method, target, auth, payload, type] = cases[next++]!;
          const headers: Record<string, string> = {};
          if (type) headers["content-type"] = type;
          // Header values are bytes on the wire; clients refuse anything outside printable ASCII before it leaves.
          if (auth !== undefined) headers.authorization = auth.replace(/[^\x20-\x7e]/g, "?");
          const send = () => fetch(`${gateway.url}${target}`, { method, headers, body: method === "GET" ? undefined : payload });
          let res = await send();
          let text = await res.text();
          if (res.status === 503 && text.startsWith(DEV_PROXY_RETRY)) {
            res = await send();
            text = await res.text();
          }
          let shapeOk = true;
          if (target.startsWith("/cloudengine/") && method === "POST") {
            try {
              const answer = JSON.parse(text) as { success?: unknown; reason?: unknown };
              shapeOk = typeof answer.success === "boolean" && typeof answer.reason === "string";
            } catch {
              shapeOk = false;
            }
          }
          if (res.status >= 500 || !shapeOk) failures.push(`${method} ${target} [${auth}] ${payload.slice(0, 80)} → ${res.status} ${text.slice(0, 160)}`);
        }
      }),
    );
    expect(cases).toHaveLength(8_000);
    expect(failures, `fast-check seed ${seed}; gateway log:\n${gateway.logs().split("\n").filter((l) => !l.startsWith("[wrangler:info]")).join("\n").slice(-4000)}`).toEqual([]);
    // The owner's call is still there, and still theirs alone.
    expect((await call(`/api/v1/calls/${conversation}`, { key: owner.apiKey })).conversation).toBe(conversation);
    expect((await call(`/api/v1/calls/${conversation}`, { key: stranger.apiKey })).error).toBe("call not found");
  }, 600_000);
});

import { describe, expect, it } from "vitest";
import { api, createService, flipLastCharacter, freshNumber, register, say, serviceWithBot, startCall } from "./helpers.ts";

describe("accounts and API keys", () => {
  it("registers once per email and refuses bad input with {error, details}", async () => {
    const email = `Dev-${crypto.randomUUID()}@Example.com`;
    const created = await api("/api/v1/accounts", { method: "POST", json: { email, password: "long enough password" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: email.toLowerCase() });
    expect(created.body.apiKey).toMatch(/^pmbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await api("/api/v1/accounts", { method: "POST", json: { email, password: "another password" } })).status).toBe(409);

    const bad = await api("/api/v1/accounts", { method: "POST", json: { email: "not-an-email", password: "short" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid input");
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(["email", "password"]);
  });

  it("needs a valid, unrevoked API key", async () => {
    const { apiKey } = await register();
    expect((await api("/api/v1/services")).status).toBe(401);
    expect((await api("/api/v1/services", { headers: { authorization: `Basic ${apiKey}` } })).status).toBe(401);
    expect((await api("/api/v1/services", { key: flipLastCharacter(apiKey) })).status).toBe(401);
    expect((await api("/api/v1/services", { key: "pmbk_0000000000000000_" + "A".repeat(43) })).status).toBe(401);

    const second = await api("/api/v1/account/api-keys", { method: "POST", key: apiKey });
    expect(second.status).toBe(201);
    expect((await api("/api/v1/services", { key: second.body.apiKey })).status).toBe(200);
    const keys = (await api("/api/v1/account/api-keys", { key: apiKey })).body;
    expect(keys).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(second.body.apiKey.slice("pmbk_0123456789abcdef_".length));
    expect((await api(`/api/v1/account/api-keys/${second.body.id}`, { method: "DELETE", key: apiKey })).status).toBe(204);
    expect((await api("/api/v1/services", { key: second.body.apiKey })).status).toBe(401);
    expect((await api("/api/v1/services", { key: apiKey })).status).toBe(200);
  });
});

describe("services", () => {
  it("creates, lists, reconfigures and deletes a service", async () => {
    const { apiKey: key } = await register();
    const created = await api("/api/v1/services", { method: "POST", key, json: { name: "  Support line ", language: "en-gb" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Support line", language: "en-GB", numbers: [], botUrl: null, demo: true, botTokenSet: false });
    const id = created.body.id as string;
    await createService(key, { name: "Second", language: "fr-FR" });
    expect((await api("/api/v1/services", { key })).body.map((s: { name: string }) => s.name)).toEqual(["Support line", "Second"]);

    const patched = await api(`/api/v1/services/${id}`, {
      method: "PATCH",
      key,
      json: { botUrl: "https://bot.example.com/hook/{conversation}", botToken: "s3cret", numbers: ["+44 20 7183 8750", "+14155552671"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ demo: false, botTokenSet: true, numbers: ["+442071838750", "+14155552671"] });

    const events = (await api(`/api/v1/services/${id}/events`, { key })).body;
    expect(events.map((e: { type: string }) => e.type)).toEqual(["created", "token_issued", "reconfigured", "token_issued"]);
    expect(events[2].fields.sort()).toEqual(["botToken", "botUrl", "numbers"]);
    expect(JSON.stringify(events)).not.toContain("s3cret");

    expect((await api(`/api/v1/services/${id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await api(`/api/v1/services/${id}`, { key })).status).toBe(404);
    expect((await api("/api/v1/services", { key })).body).toHaveLength(1);
  });

  it("validates language, numbers, URL and token, and keeps numbers unique across services", async () => {
    const { apiKey: key } = await register();
    const service = await createService(key);
    const patch = (json: unknown) => api(`/api/v1/services/${service.id}`, { method: "PATCH", key, json });
    const invalid: unknown[] = [
      { language: "xx-YY" },
      { numbers: ["12345"] },
      { numbers: ["+1 415 555 2671", "+14155552671"] },
      { botUrl: "ftp://bot.example.com" },
      { botUrl: "https://user:pw@bot.example.com" },
      { botUrl: "not a url" },
      { botToken: "has spaces in it" },
      { unknownField: 1 },
      {},
      { name: "" },
    ];
    for (const json of invalid) {
      const res = await patch(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error).toBe("invalid input");
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    const number = freshNumber();
    expect((await patch({ numbers: [number] })).status).toBe(200);

    const rival = await register();
    const other = await createService(rival.apiKey);
    const taken = await api(`/api/v1/services/${other.id}`, { method: "PATCH", key: rival.apiKey, json: { numbers: [number] } });
    expect(taken.status).toBe(409);
    expect(taken.body.details[0].number).toBe(number);

    // Deleting the first service frees the number.
    await api(`/api/v1/services/${service.id}`, { method: "DELETE", key });
    expect((await api(`/api/v1/services/${other.id}`, { method: "PATCH", key: rival.apiKey, json: { numbers: [number] } })).status).toBe(200);
  });

  it("answers 400, never 5xx, to bodies that are not JSON or too large", async () => {
    const { apiKey: key } = await register();
    for (const body of ["{", "[1,2]", "null", "x".repeat(70_000)]) {
      const res = await api("/api/v1/services", { method: "POST", key, headers: { "content-type": "application/json" }, body });
      expect(res.status, body.slice(0, 10)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 10)).toBeLessThan(500);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await api("/api/v1/services/whatever/usage?from=2026-13-01", { key })).status).toBe(404);
  });
});

describe("tenant isolation", () => {
  it("shows another account's service and calls as not found, whatever the endpoint", async () => {
    const owner = await serviceWithBot();
    const conversation = await startCall(owner.key, owner.serviceId);
    const { apiKey: intruder } = await register();
    const s = `/api/v1/services/${owner.serviceId}`;
    const c = `/api/v1/calls/${conversation}`;
    const attempts: [string, string, unknown?][] = [
      ["GET", s],
      ["PATCH", s, { name: "mine now" }],
      ["DELETE", s],
      ["POST", `${s}/reset-demo`],
      ["GET", `${s}/events`],
      ["GET", `${s}/usage`],
      ["GET", `${s}/calls`],
      ["POST", `${s}/calls`, { from: "+15550000000" }],
      ["POST", `${s}/test-sessions`],
      ["GET", c],
      ["POST", `${c}/utterances`, { text: "hi" }],
      ["POST", `${c}/pin`, { pin: "1234" }],
      ["DELETE", c],
    ];
    for (const [method, path, json] of attempts) {
      const res = await api(path, { method, key: intruder, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await api("/api/v1/services", { key: intruder })).body).toEqual([]);
    // Nothing changed for the owner.
    expect((await api(s, { key: owner.key })).body.name).toBe("Pizza bot");
    expect((await say(owner.key, conversation, "still here")).status).toBe(202);
  });
});

describe("usage and cost", () => {
  it("counts calls, minutes and peak concurrency per day and prices them from the price table", async () => {
    const { key, serviceId } = await serviceWithBot();
    const first = await startCall(key, serviceId);
    const second = await startCall(key, serviceId);
    await api(`/api/v1/calls/${first}`, { method: "DELETE", key });
    await api(`/api/v1/calls/${second}`, { method: "DELETE", key });
    const today = new Date().toISOString().slice(0, 10);
    const usage = await api(`/api/v1/services/${serviceId}/usage?from=${today}&to=${today}`, { key });
    expect(usage.status).toBe(200);
    // Each call is billed at least its first started minute.
    expect(usage.body).toMatchObject({ from: today, to: today, calls: 2, minutes: 2, peakConcurrentCalls: 2 });
    expect(usage.body.days).toHaveLength(1);
    // wrangler.toml: 0.01 per call, 0.015 per minute.
    expect(usage.body.cost).toEqual({
      currency: "EUR",
      total: 0.05,
      lines: [
        { item: "Calls", quantity: 2, unit: "call", unitPrice: 0.01, amount: 0.02 },
        { item: "Voice minutes", quantity: 2, unit: "minute", unitPrice: 0.015, amount: 0.03 },
      ],
    });
    const empty = await api(`/api/v1/services/${serviceId}/usage?from=2020-01-01&to=2020-01-31`, { key });
    expect(empty.body).toMatchObject({ calls: 0, minutes: 0, days: [], cost: { total: 0 } });
    for (const query of ["from=2026-02-30&to=2026-03-01", "from=2026-03-02&to=2026-03-01", "from=2020-01-01&to=2026-01-01", "from=yesterday"]) {
      const res = await api(`/api/v1/services/${serviceId}/usage?${query}`, { key });
      expect(res.status, query).toBe(400);
    }
    const calls = (await api(`/api/v1/services/${serviceId}/calls`, { key })).body;
    expect(calls.map((c: { conversation: string }) => c.conversation).sort()).toEqual([first, second].sort());
    expect(calls[0]).toMatchObject({ state: "ended", endReason: "caller_hangup" });
  });
});

describe("OpenAPI", () => {
  it("documents both APIs from the same schemas", async () => {
    const doc = (await api("/api/v1/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/cloudengine/rest/voicebot/send/{conversation}",
      "/api/v1/accounts",
      "/api/v1/services",
      "/api/v1/services/{id}",
      "/api/v1/services/{id}/usage",
      "/api/v1/services/{id}/calls",
      "/api/v1/calls/{conversation}/utterances",
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    const sendBody = doc.paths["/cloudengine/rest/voicebot/send/{conversation}"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(sendBody.properties).sort()).toEqual(["body", "conversation", "from", "hints", "last", "new", "opaque", "to"]);
  });
});

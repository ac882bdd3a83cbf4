import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createService, flipLastCharacter, register } from "./helpers.ts";

const PASSWORD = "correct horse battery";

async function login(email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const response = await SELF.fetch("http://gateway.test/api/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as any;
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = /pmb_session=([^;]*)/.exec(setCookie)?.[1];
  return { status: response.status, body, setCookie, cookie: cookie ? `pmb_session=${cookie}` : undefined, retryAfter: response.headers.get("retry-after") };
}

/** A request with the session cookie (and, if given, the CSRF header) and no Authorization header. */
async function withCookie(path: string, cookie: string, init: { method?: string; json?: unknown; csrf?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { cookie, ...init.headers };
  if (init.csrf !== undefined) headers["x-csrf-token"] = init.csrf;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const response = await SELF.fetch(`http://gateway.test${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

describe("portal sessions", () => {
  it("answers the session probe of a signed-out visitor with signedIn: false, not an error", async () => {
    const probe = async (headers: Record<string, string>) => {
      const response = await SELF.fetch("http://gateway.test/api/v1/session", { headers });
      return { status: response.status, body: await response.json() };
    };
    const signedOut = { status: 200, body: { signedIn: false } };
    expect(await probe({})).toEqual(signedOut);
    expect(await probe({ cookie: "pmb_session=not-a-session" })).toEqual(signedOut);
    expect(await probe({ cookie: `pmb_session=${"A".repeat(43)}` })).toEqual(signedOut);
    // The API itself still refuses a request without credentials.
    expect((await SELF.fetch("http://gateway.test/api/v1/services")).status).toBe(401);

    const document = (await (await SELF.fetch("http://gateway.test/api/v1/openapi.json")).json()) as any;
    const get = document.paths["/api/v1/session"].get;
    expect(Object.keys(get.responses)).toEqual(["200"]);
    expect(JSON.stringify(get.responses["200"])).toContain("signedIn");
  });

  it("logs in with a secure-by-default cookie, reads the account, and logs out for good", async () => {
    const account = await register();
    const res = await login(account.email);
    expect(res.status).toBe(200);
    expect(res.body.account).toEqual({ id: account.id, email: account.email });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.setCookie).toMatch(/HttpOnly/);
    expect(res.setCookie).toMatch(/SameSite=Lax/);
    // gateway.test is not local development: the cookie must be Secure.
    expect(res.setCookie).toMatch(/Secure/);
    const cookie = res.cookie!;

    const me = await withCookie("/api/v1/session", cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ signedIn: true, account: { id: account.id, email: account.email }, csrfToken: res.body.csrfToken });

    // The cookie works on the management API, for reads without and writes with the CSRF token.
    expect((await withCookie("/api/v1/services", cookie)).status).toBe(200);
    const created = await withCookie("/api/v1/services", cookie, { method: "POST", json: { name: "Cookie bot", language: "fr-FR" }, csrf: res.body.csrfToken });
    expect(created.status).toBe(201);

    expect((await withCookie("/api/v1/session", cookie, { method: "DELETE" })).status).toBe(403);
    expect((await withCookie("/api/v1/session", cookie, { method: "DELETE", csrf: res.body.csrfToken })).status).toBe(204);
    expect(await withCookie("/api/v1/session", cookie)).toEqual({ status: 200, body: { signedIn: false } });
    expect((await withCookie("/api/v1/services", cookie)).status).toBe(401);
  });

  it("refuses state-changing cookie requests without the right CSRF token", async () => {
    const account = await register();
    const { cookie, body } = await login(account.email);
    const service = await createService(account.apiKey);
    const patch = { name: "Renamed" };
    const noToken = await withCookie(`/api/v1/services/${service.id}`, cookie!, { method: "PATCH", json: patch });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toBe("missing or invalid CSRF token");
    const wrong = await withCookie(`/api/v1/services/${service.id}`, cookie!, { method: "PATCH", json: patch, csrf: flipLastCharacter(body.csrfToken) });
    expect(wrong.status).toBe(403);
    expect((await withCookie(`/api/v1/account/api-keys`, cookie!, { method: "POST" })).status).toBe(403);
    // Nothing changed.
    expect((await api(`/api/v1/services/${service.id}`, { key: account.apiKey })).body.name).toBe("Pizza bot");
    const ok = await withCookie(`/api/v1/services/${service.id}`, cookie!, { method: "PATCH", json: patch, csrf: body.csrfToken });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe("Renamed");
  });

  it("keeps Bearer behaviour: a request with an Authorization header is judged on the header alone", async () => {
    const account = await register();
    const { cookie } = await login(account.email);
    const bad = await withCookie("/api/v1/services", cookie!, { headers: { authorization: "Bearer pmbk_nope" } });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe("invalid API key");
    expect((await api("/api/v1/services")).body.error).toBe("missing API key");
    expect((await api("/api/v1/services", { key: account.apiKey })).status).toBe(200);
  });

  it("does not let one account's session see another account's service", async () => {
    const owner = await register();
    const service = await createService(owner.apiKey);
    const other = await register();
    const { cookie } = await login(other.email);
    expect((await withCookie(`/api/v1/services/${service.id}`, cookie!)).status).toBe(404);
    expect((await withCookie("/api/v1/services", cookie!)).body).toEqual([]);
  });

  it("says 'wrong email or password' alike for a wrong password and an unknown email, and slows down repeated failures", async () => {
    const account = await register();
    const wrong = await login(account.email, "not the password");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("wrong email or password");
    expect(wrong.cookie).toBeUndefined();
    const unknown = await login(`nobody-${crypto.randomUUID()}@example.com`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe("wrong email or password");

    for (let i = 0; i < 5; i++) await login(account.email, `guess ${i}`);
    // Over the free attempts: blocked for a while, even with the right password.
    const blocked = await login(account.email);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(blocked.body.error).toMatch(/try again in \d+ seconds?/);
    // Another account is not affected.
    const bystander = await register();
    expect((await login(bystander.email)).status).toBe(200);
  });

  it("refuses a cross-origin log-in", async () => {
    const account = await register();
    const res = await login(account.email, PASSWORD, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.cookie).toBeUndefined();
  });
});

import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";
import { register } from "./helpers.ts";

/** A Content-Security-Policy header as directive → sources. */
function policy(header: string | null): Record<string, string[]> {
  expect(header, "no Content-Security-Policy").toBeTruthy();
  return Object.fromEntries(
    header!
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  );
}

const PORTAL_POLICY = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'"],
  "connect-src": ["'self'"],
  "worker-src": ["'self'", "blob:"],
  "media-src": ["'self'", "blob:"],
  "object-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
};

/** What every answer carries, page or API. */
function expectCommonHeaders(response: Response) {
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("permissions-policy")).toContain("microphone=(self)");
}

/** A GET through the deployed Worker, or through its app with more variables (which the test pool cannot change). */
const portal = (path: string, vars: Record<string, string> = {}) =>
  Object.keys(vars).length > 0 ? app.request(`http://gateway.test${path}`, {}, { ...env, ...vars }) : SELF.fetch(`http://gateway.test${path}`);

describe("security headers", () => {
  it("give the portal's page (and its deep links) a strict policy with nothing inline and no framing", async () => {
    for (const path of ["/", "/login", "/services/svc_x/monitoring"]) {
      const page = await portal(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<div id="root">');
      expectCommonHeaders(page);
      expect(policy(page.headers.get("content-security-policy"))).toEqual(PORTAL_POLICY);
    }
  });

  it("give the portal's static assets the same headers", async () => {
    const html = await (await portal("/")).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css")), "index.html names its script and stylesheet").toBe(true);
    for (const path of assets) {
      const asset = await portal(path);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(path.endsWith(".js") ? /javascript/ : /text\/css/);
      expectCommonHeaders(asset);
      expect(policy(asset.headers.get("content-security-policy"))).toEqual(PORTAL_POLICY);
    }
  });

  it("give the management and messaging APIs nosniff, no framing and no referrer, and keep their JSON answers", async () => {
    const account = await register();
    const answers = [
      [await SELF.fetch("http://gateway.test/api/v1/openapi.json"), 200],
      [await SELF.fetch("http://gateway.test/api/v1/services", { headers: { authorization: `Bearer ${account.apiKey}` } }), 200],
      [await SELF.fetch("http://gateway.test/api/v1/services"), 401],
      [await SELF.fetch("http://gateway.test/api/v1/no-such-route"), 404],
      [await SELF.fetch("http://gateway.test/healthz"), 200],
    ] as const;
    for (const [response, status] of answers) {
      expect(response.status, response.url).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expectCommonHeaders(response);
      expect(policy(response.headers.get("content-security-policy"))).toEqual({ "default-src": ["'none'"], "frame-ancestors": ["'none'"] });
    }
    const conversation = crypto.randomUUID();
    const sent = await SELF.fetch(`http://gateway.test/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic nope" },
      body: JSON.stringify({ conversation, body: "hello" }),
    });
    expect(await sent.json()).toMatchObject({ success: false });
    expectCommonHeaders(sent);
    expect(policy(sent.headers.get("content-security-policy"))).toEqual({ "default-src": ["'none'"], "frame-ancestors": ["'none'"] });
  });

  it("let the portal connect to the local agent's socket at the address the browser-calls route gives", async () => {
    const vars = { AGENT_LOCAL_URL: "http://127.0.0.1:8788" };
    const connect = policy((await portal("/", vars)).headers.get("content-security-policy"))["connect-src"];
    expect(connect).toEqual(["'self'", "ws://127.0.0.1:8788", "http://127.0.0.1:8788"]);

    const account = await register();
    const config = await app.request("http://gateway.test/api/v1/voice/config", { headers: { authorization: `Bearer ${account.apiKey}` } }, { ...env, ...vars });
    const { agentUrl } = (await config.json()) as { agentUrl: string };
    const socket = new URL(agentUrl);
    expect(connect).toContain(`ws://${socket.host}`);
  });

  it("let the portal reach the LiveKit server in its wss:// and https:// forms, and only when it is well configured", async () => {
    const liveKit = { LIVEKIT_API_KEY: "key", LIVEKIT_API_SECRET: "secret" };
    for (const [url, expected] of [
      ["wss://voice.example.com", ["wss://voice.example.com", "https://voice.example.com"]],
      ["https://voice.example.com:7880", ["wss://voice.example.com:7880", "https://voice.example.com:7880"]],
      ["ws://127.0.0.1:7880", ["ws://127.0.0.1:7880", "http://127.0.0.1:7880"]],
    ] as const) {
      const page = await portal("/", { ...liveKit, LIVEKIT_URL: url });
      expect(policy(page.headers.get("content-security-policy"))["connect-src"], url).toEqual(["'self'", ...expected]);
    }
    const misconfigured = await portal("/", { ...liveKit, LIVEKIT_URL: "ftp://voice.example.com" });
    expect(misconfigured.status).toBe(200);
    expect(policy(misconfigured.headers.get("content-security-policy"))["connect-src"]).toEqual(["'self'"]);
  });
});

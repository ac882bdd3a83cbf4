import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBot } from "../support/fake-bot.ts";
import { startFakeDialogflow } from "../support/platforms/fake-dialogflow.ts";
import { DIRECT_LINE_SECRET, startFakeDirectLine } from "../support/platforms/fake-directline.ts";
import { type Gateway, callGateway, startGateway, until } from "./server.ts";

// Drives a whole call through every door (sign-up, log-in cookie and CSRF token, API key, service token, bot token,
// the agent's secret) and then searches everything the gateway printed for each of those secrets.

const AGENT_SECRET = `agent-secret-${crypto.randomUUID()}`;
let gateway: Gateway;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
beforeAll(async () => {
  process.env.AGENT_SECRET = AGENT_SECRET;
  [gateway, bot] = await Promise.all([startGateway(), startFakeBot()]);
}, 120_000);
afterAll(async () => {
  delete process.env.AGENT_SECRET;
  await Promise.all([gateway?.stop(), bot?.close()]);
});

describe("secrets in logs", () => {
  it("never prints a password, API key, token, cookie or agent secret", async () => {
    const secrets: Record<string, string> = {};
    const request = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway.url, path, init);

    const email = `logs-${crypto.randomUUID()}@example.com`;
    secrets.password = `pw-${crypto.randomUUID()}`;
    const account = await request("/api/v1/accounts", { method: "POST", json: { email, password: secrets.password } });
    secrets.apiKey = account.body.apiKey;
    const key = { authorization: `Bearer ${secrets.apiKey}` };

    const login = await request("/api/v1/session", { method: "POST", json: { email, password: secrets.password } });
    expect(login.status).toBe(200);
    secrets.cookie = /^[^=]+=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    secrets.csrf = login.body.csrfToken;
    const session = { cookie: /^[^;]+/.exec(login.headers.get("set-cookie")!)![0], "x-csrf-token": login.body.csrfToken as string };
    // A failed log-in with a wrong password: the attempt is logged as a request, never its body.
    secrets.wrongPassword = `wrong-${crypto.randomUUID()}`;
    expect((await request("/api/v1/session", { method: "POST", json: { email, password: secrets.wrongPassword } })).status).toBe(401);

    const service = await request("/api/v1/services", { method: "POST", headers: session, json: { name: "Logs", language: "en-US" } });
    expect(service.status).toBe(201);
    secrets.firstToken = service.body.token;
    secrets.botToken = `bot-${crypto.randomUUID()}`;
    const number = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const patched = await request(`/api/v1/services/${service.body.id}`, {
      method: "PATCH",
      headers: key,
      json: { botUrl: `${bot.url}/bot/{conversation}`, botToken: secrets.botToken, numbers: [number] },
    });
    const token = patched.body.token as string;
    secrets.token = token;

    // A voice call through the agent's socket, then the bot answers with the service token and ends it.
    const conversation = crypto.randomUUID();
    const agent = new WebSocket(`${gateway.url.replace("http", "ws")}/agent/v1/conversations/${conversation}`, { headers: { authorization: `Bearer ${AGENT_SECRET}` } });
    const said = new Promise<string>((resolve) => agent.on("message", (data) => String(data).includes('"say"') && resolve(String(data))));
    await new Promise((resolve) => agent.once("open", resolve));
    agent.send(JSON.stringify({ type: "start", from: "+442071838750", to: number, transport: "sip" }));
    agent.send(JSON.stringify({ type: "transcript", text: "hello" }));
    const send = (token: string, body: Record<string, unknown>) =>
      request(`/cloudengine/rest/voicebot/send/${conversation}`, { method: "POST", headers: { authorization: `Basic ${token}` }, json: { conversation, ...body } });
    // Wait until the call exists, then answer as the bot, once with the old token.
    for (let i = 0; i < 50 && (await send(token, { body: "Hi there" })).body?.reason !== "delivered"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await said).toContain("Hi there");
    expect((await send(service.body.token as string, { body: "old token" })).body.reason).toBe("authorization fail");
    expect((await send(token, { body: "Bye", last: "true" })).body.reason).toBe("delivered");
    agent.close();
    // Let the gateway finish delivering to the bot (which logs nothing of ours) and print what it prints.
    await new Promise((r) => setTimeout(r, 1500));

    const logs = gateway.logs();
    expect(logs).toContain("/cloudengine/rest/voicebot/send/"); // the log is there, and has the requests in it
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(8);
      expect(logs.includes(secret), `${name} appears in the gateway's output`).toBe(false);
    }
    expect(logs.includes(AGENT_SECRET), "the agent secret appears in the gateway's output").toBe(false);
  }, 60_000);

  it("never prints a bot platform's credentials, whether the platform takes them or refuses them", async () => {
    const [directLine, dialogflow] = await Promise.all([startFakeDirectLine(), startFakeDialogflow()]);
    try {
      const request = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway.url, path, init);
      const account = await request("/api/v1/accounts", { method: "POST", json: { email: `platform-logs-${crypto.randomUUID()}@example.com`, password: "a long password here" } });
      const key = { authorization: `Bearer ${account.body.apiKey as string}` };
      const service = (await request("/api/v1/services", { method: "POST", headers: key, json: { name: "Platform logs", language: "en-US" } })).body.id as string;
      const keyFile = dialogflow.serviceAccountKey();
      const privateKeyLines = (JSON.parse(keyFile) as { private_key: string }).private_key.split("\n").filter((line) => line.length > 40);
      const wrongSecret = `wrong-dl-${crypto.randomUUID()}`;
      const agentPath = "/_/v3/projects/pizza-project/locations/global/agents/agent-1";

      const callThrough = async (settings: Record<string, unknown>) => {
        expect((await request(`/api/v1/services/${service}`, { method: "PATCH", headers: key, json: settings })).status).toBe(200);
        const conversation = (await request(`/api/v1/services/${service}/calls`, { method: "POST", headers: key, json: { from: "+14155550100" } })).body.conversation as string;
        await until(async () => {
          const call = (await request(`/api/v1/calls/${conversation}`, { headers: key })).body;
          return call.messages[0]?.delivery !== "pending" && call;
        }, 20_000, "the call's first message settled");
        return (await request(`/api/v1/calls/${conversation}`, { headers: key })).body;
      };
      expect((await callThrough({ botType: "directline", botUrl: `${directLine.url}/_/v3/directline`, directLineSecret: DIRECT_LINE_SECRET })).messages[0]).toMatchObject({ delivery: "delivered" });
      expect((await callThrough({ directLineSecret: wrongSecret })).messages[0]).toMatchObject({ delivery: "failed" });
      expect((await callThrough({ botType: "dialogflow-cx", botUrl: `${dialogflow.url}${agentPath}`, dialogflowServiceAccountKey: keyFile })).messages[0]).toMatchObject({ delivery: "delivered" });
      await new Promise((r) => setTimeout(r, 500));

      const logs = gateway.logs();
      expect(logs).toContain("/calls");
      for (const [name, secret] of [["Direct Line secret", DIRECT_LINE_SECRET], ["refused Direct Line secret", wrongSecret], ...privateKeyLines.map((line, i) => [`private key line ${i}`, line])]) {
        expect(logs.includes(secret!), `${name} appears in the gateway's output`).toBe(false);
      }
      expect(logs).not.toContain("ya29.fake-");
    } finally {
      await Promise.all([directLine.close(), dialogflow.close()]);
    }
  }, 60_000);

  it("keeps the agent secret off every process's command line (which any user can read)", () => {
    const commandLines = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((pid) => {
        try {
          return [readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")];
        } catch {
          return []; // gone meanwhile
        }
      });
    // The scan sees the gateway's processes: wrangler (its port on its command line) and the agent beside it.
    const port = new URL(gateway.url).port;
    expect(commandLines.some((line) => line.includes("wrangler") && line.includes(`--port ${port}`))).toBe(true);
    expect(commandLines.some((line) => line.includes(resolve(import.meta.dirname, "../../agent/index.ts")))).toBe(true);
    expect(commandLines.filter((line) => line.includes(AGENT_SECRET))).toEqual([]);
  });
});

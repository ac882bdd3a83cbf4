import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCaller, browserCall } from "../agent/local-caller.ts";
import { startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, newAccount, newService, spawnAgent, startGateway } from "./server.ts";

// The voice agent process is killed (SIGKILL) in the middle of a call: the call's Durable Object sees its socket
// close, ends the call and tells the bot with `last`, well within 10 s.

const AGENT_SECRET = `agent-killed-${crypto.randomUUID()}`;
let gateway: Gateway;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let agent: ChildProcess | undefined;

beforeAll(async () => {
  process.env.AGENT_SECRET = AGENT_SECRET;
  [gateway, bot] = await Promise.all([startGateway(), startFakeBot()]);
}, 120_000);
afterAll(async () => {
  delete process.env.AGENT_SECRET;
  agent?.kill("SIGKILL");
  await Promise.all([gateway?.stop(), bot?.close()]);
});

describe("the agent killed mid-call", () => {
  it("ends the call and sends the bot `last` within 10 s", async () => {
    // An agent process of our own (npm start runs one too), so this test decides when it dies.
    let agentUrl: string;
    ({ agent, url: agentUrl } = await spawnAgent({ AGENT_SECRET, GATEWAY_URL: gateway.url }));
    // Its socket listens from the start: the health check waits until the agent serves.
    expect((await fetch(`${agentUrl}/healthz`)).ok).toBe(true);

    const account = await newAccount(gateway.url, "killed");
    const service = await newService(account.api, { name: "killed", botUrl: `${bot.url}/bot/{conversation}`, botToken: "killed" });

    // A ticket from the gateway, as the portal gets one (any agent with the gateway's secret takes it).
    const { ticket } = await browserCall(gateway.url, account.apiKey, service.id);
    const caller = new LocalCaller(agentUrl, ticket);
    await caller.opened;
    const deadline = Date.now() + 20_000;
    while (!caller.event("started") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const conversation = caller.event("started")?.conversation as string;
    expect(conversation).toBeTruthy();
    const received = async () => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: Record<string, string> }[];
    while ((await received()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await received())[0]!.message.new).toBe("true");

    const killedAt = Date.now();
    agent.kill("SIGKILL");
    let last: { message: Record<string, string> } | undefined;
    while (!last && Date.now() - killedAt < 10_000) {
      last = (await received()).find((r) => r.message.last === "true");
      if (!last) await new Promise((r) => setTimeout(r, 50));
    }
    const tookMs = Date.now() - killedAt;
    expect(last, "the bot was told the call is over").toBeDefined();
    expect(tookMs).toBeLessThan(10_000);
    const call = await account.api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } });
    expect(call.data).toMatchObject({ state: "ended", endReason: "agent_lost" });
    console.log(`agent killed → bot got last in ${tookMs} ms`);
  }, 90_000);
});

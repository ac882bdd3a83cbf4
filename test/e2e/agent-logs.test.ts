import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { startFakeOpenAI } from "../agent/fake-openai.ts";
import { LocalCaller, mintTicket } from "../agent/local-caller.ts";
import { botSendsTo, poll, speech } from "../agent/offline-speech.ts";
import { startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, newAccount, spawnAgent, startGateway, until } from "./server.ts";

// The voice agent's own logs (agent/index.ts in its own process, the framework's pino logger on stdout) during a whole
// call with provider keys: every line is one JSON object, the call's lines carry the ids the gateway's logs carry
// (`conversation`, `serviceId`, `accountId`), and no secret is printed (agent secret, service token, bot token,
// provider keys, the caller's ticket).

const AGENT_SECRET = `agent-logs-${crypto.randomUUID()}`;
const DEEPGRAM_KEY = `dg-${crypto.randomUUID()}`;
const OPENAI_KEY = `sk-${crypto.randomUUID()}`;
let gateway: Gateway;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let agent: ChildProcess | undefined;
const stdout: string[] = [];
let stderr = "";

beforeAll(async () => {
  [gateway, bot, deepgram, openai] = await Promise.all([
    startGateway({ AGENT_SECRET }, { agent: false }),
    startFakeBot(),
    startFakeDeepgram([], { fallback: "yes please" }),
    startFakeOpenAI(),
  ]);
}, 120_000);
afterAll(async () => {
  agent?.kill("SIGKILL");
  await Promise.all([gateway?.stop(), bot?.close(), deepgram?.close(), openai?.close()]);
});

describe("the agent's logs", () => {
  it("are JSON lines; the call's lines carry its conversation, service and account; no secret appears", async () => {
    let agentUrl: string;
    ({ agent, url: agentUrl } = await spawnAgent(
      {
        AGENT_SECRET,
        GATEWAY_URL: gateway.url,
        AGENT_LOG_LEVEL: "debug",
        DEEPGRAM_API_KEY: DEEPGRAM_KEY,
        DEEPGRAM_URL: deepgram.url,
        DEEPGRAM_FLUX: "off",
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openai.baseURL,
      },
      { stdio: "pipe" },
    ));
    createInterface({ input: agent.stdout! }).on("line", (line) => stdout.push(line));
    agent.stderr!.on("data", (chunk) => (stderr += chunk));
    await until(async () => stdout.some((line) => line.includes("voice agent")), 60_000, `the agent to start: ${stdout.join("\n")}${stderr}`);

    const account = await newAccount(gateway.url, "agent-logs");
    const botToken = `bot-${crypto.randomUUID()}`;
    const created = await account.api.POST("/api/v1/services", { body: { name: "Logs", language: "en-US" } });
    const serviceId = created.data!.id;
    const patched = await account.api.PATCH("/api/v1/services/{id}", {
      params: { path: { id: serviceId } },
      body: { botUrl: `${bot.url}/bot/{conversation}`, botToken, ttsProvider: "openai" },
    });
    expect(patched.response.status).toBe(200);
    const token = patched.data!.token;

    // A phone caller's ticket, minted with the agent secret as only the gateway can (this gateway runs no agent of its own).
    const ticket = await mintTicket(AGENT_SECRET, { serviceId, from: "+442071838750" });
    const caller = new LocalCaller(agentUrl, ticket);
    await caller.opened;
    const started = await until(async () => caller.event("started"), 20_000, "the call to start");
    const conversation = started.conversation as string;
    const received = async () => (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: Record<string, string> }[];
    await poll(received, (l) => l.length > 0, "the call's first message at the bot");
    await botSendsTo(gateway.url, token, conversation, { body: "Hello, do you want a table?" });
    await until(async () => caller.events.some((e) => e.type === "bot") && caller.audio.length > 0, 15_000, "the greeting's audio");
    await caller.say(speech("yes please"));
    await poll(received, (l) => l.some((r) => r.message.body === "yes please"), "the caller's words at the bot");
    await botSendsTo(gateway.url, token, conversation, { body: "Booked. Goodbye.", last: "true" });
    await caller.closed;
    const isCallEnded = (line: string) => line.includes('"call ended"') && line.includes(conversation);
    await until(async () => stdout.some(isCallEnded), 10_000, `the agent's "call ended" line: ${stdout.join("\n")}`);

    // Every line is one JSON object.
    const entries = stdout.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const entry of entries) expect(entry).toEqual(expect.objectContaining({ level: expect.any(Number), msg: expect.any(String) }));
    // The call's lines, ours and the framework's (its session's and speech tasks'), from its start to its end (the only
    // call here), carry all three ids, as does every line that names the call.
    const ids = { conversation, serviceId, accountId: account.id };
    const startedAt = entries.findIndex((entry) => entry.msg === "call started");
    const endedAt = entries.findIndex((entry) => entry.msg === "call ended");
    expect(startedAt).toBeGreaterThan(0);
    expect(endedAt).toBeGreaterThan(startedAt);
    const duringTheCall = entries.slice(startedAt, endedAt + 1);
    const namingTheCall = entries.filter((entry) => JSON.stringify(entry).includes(conversation));
    for (const entry of [...duringTheCall, ...namingTheCall]) expect(entry, JSON.stringify(entry)).toMatchObject(ids);
    expect(duringTheCall.some((entry) => entry.level === 20 && String(entry.msg).startsWith("Task.runTask")), "the framework's own lines").toBe(true);
    // Deepgram and OpenAI were used, with the keys the test gave (so those keys were in the agent's hands).
    expect(deepgram.connections.some((c) => c.authorization === `Token ${DEEPGRAM_KEY}`)).toBe(true);
    expect(openai.requests.some((r) => r.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);

    const printed = stdout.join("\n") + stderr;
    // Nor what was said: the framework logs the caller's words at debug (`lk.pii.*`), redacted.
    expect(entries.some((entry) => entry["lk.pii.user_transcript"] === "[redacted]")).toBe(true);
    for (const words of ["yes please", "do you want a table", "Booked. Goodbye."]) expect(printed.includes(words), words).toBe(false);
    const secrets = { AGENT_SECRET, token, botToken, DEEPGRAM_KEY, OPENAI_KEY, ticket, apiKey: account.apiKey, password: account.password };
    for (const [name, secret] of Object.entries(secrets)) expect(printed.includes(secret), `${name} in the agent's output`).toBe(false);
    console.log(`agent printed ${stdout.length} JSON lines (${duringTheCall.length} during the call) at level debug`);

  }, 90_000);
});

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { type PhoneMyBotClient, expectData, managementClient } from "../../client/index.ts";

const root = resolve(import.meta.dirname, "../..");

/** A server listening on a free loopback port (the kernel's pick). */
export function listeningSocket(): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveServer(server));
  });
}

/** A port that was free when looked at (nothing holds it for the caller: see `spawnAgent` and `startGateway`). */
export async function freePort(): Promise<number> {
  const server = await listeningSocket();
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

/**
 * The voice agent (agent/index.ts) in Node with tsx's loader (one process: killing it kills the agent, and its
 * stdout is the agent's), on a socket bound and listening here that it inherits, as `npm start` does
 * (agent/inherited-listener.ts): a port only found free could be someone else's by the time the agent, loaded and
 * warmed up, listened on it. `nodeArgs`: Node options before the script (e.g. `--cpu-prof`). `root`: another checkout
 * whose agent to run (a benchmark's baseline), this one's by default.
 */
export async function spawnAgent(
  env: Record<string, string>,
  options: { stdio?: "ignore" | "pipe"; nodeArgs?: string[]; root?: string } = {},
): Promise<{ agent: ChildProcess; url: string }> {
  const socket = await listeningSocket();
  const { port } = socket.address() as AddressInfo;
  // As scripts/start.mjs: Node's only way to a server's descriptor is its `_handle` (Unix).
  const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
  const stdio = options.stdio ?? "ignore";
  const agentRoot = options.root ?? root;
  const agent = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", join(agentRoot, "agent/index.ts")], {
    cwd: agentRoot,
    env: { ...process.env, ...env, AGENT_LISTEN_FD: "3" },
    stdio: ["ignore", stdio, stdio, fd],
  });
  socket.close();
  return { agent, url: `http://127.0.0.1:${port}` };
}

export interface Gateway {
  url: string;
  stop: () => Promise<void>;
  logs: () => string;
}

/**
 * `npm start`'s server (scripts/start.mjs: `wrangler dev`, offline) on a free port with a fresh, temporary storage
 * directory. It serves the portal from web/dist, so the web app must have been built (`npm run build:web`, which
 * `npm test` does first). `vars` become Worker variables (wrangler's CLOUDFLARE_INCLUDE_PROCESS_ENV; there must be no
 * .dev.vars file, which would take precedence). `options.persistTo`: storage to use (and keep) instead of a temporary one.
 * `options.agent: false`: without `npm start`'s voice agent (for tests that run their own, sharing `vars.AGENT_SECRET`).
 * `options.port`: a port to use (to restart a gateway where its clients expect it) instead of a free one.
 */
export async function startGateway(
  vars: Record<string, string> = {},
  options: { persistTo?: string; agent?: boolean; port?: number } = {},
): Promise<Gateway> {
  if (!existsSync(join(root, "web/dist/index.html"))) throw new Error("web/dist is missing: run `npm run build:web` first");
  // A port found free is free only then: another test's process (a workerd, an agent) can bind it before this
  // gateway's wrangler does, which then exits. Another free port is tried, unless the caller chose this one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGatewayOn(options.port ?? (await freePort()), vars, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || options.port !== undefined || attempt === 3) throw error;
    }
  }
}

/** wrangler dev exited before serving because its port was taken. */
export class PortTaken extends Error {}

async function startGatewayOn(port: number, vars: Record<string, string>, options: { persistTo?: string; agent?: boolean }): Promise<Gateway> {
  const persist = options.persistTo ?? (await mkdtemp(join(tmpdir(), "pmb-e2e-")));
  let output = "";
  // Exactly `npm start`'s server (scripts/start.mjs; the web build is `npm test`'s first step), on its own port and storage.
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      PERSIST_TO: persist,
      CI: "1",
      ...(options.agent === false ? { LOCAL_AGENT: "false" } : {}),
      ...(Object.keys(vars).length > 0 ? { CLOUDFLARE_INCLUDE_PROCESS_ENV: "true", ...vars } : {}),
    },
  });
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  let exited = false;
  let stopping = false;
  let serving = false;
  child.on("exit", (code, signal) => {
    exited = true;
    // A gateway that dies mid-suite makes every later test time out: say so where CI's log shows it, with its output.
    if (serving && !stopping) console.error(`wrangler dev on port ${port} exited during the tests (code ${code}, signal ${signal}); its last output:\n${output.slice(-4000)}`);
  });

  const stop = async () => {
    stopping = true;
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!exited) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    if (!options.persistTo) await rm(persist, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new (output.includes(`Address already in use (127.0.0.1:${port})`) ? PortTaken : Error)(`wrangler dev exited before serving:\n${output}`);
    }
    try {
      // Bounded: whatever holds a taken port may never answer, and wrangler's exit must still be seen.
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        serving = true;
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, stop, logs: () => output };
}

/** Debian's Chromium, headless, driven by playwright-core. `extraArgs`: more switches (e.g. a fake microphone). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

export const artifactsDir = join(root, "test-artifacts");

/** A new account, signed up through the typed client (client/): its id, email, password, API key, and a client acting as it. */
export async function newAccount(gatewayUrl: string, label = "e2e", password = `${label} password, long enough`) {
  const email = `${label}-${crypto.randomUUID()}@example.com`;
  const account = expectData(await managementClient(gatewayUrl).POST("/api/v1/accounts", { body: { email, password } }), "signing up");
  return { id: account.id, email, password, apiKey: account.apiKey, api: managementClient(gatewayUrl, account.apiKey) };
}

/** A new service of `api`'s account in `language`, pointed at `botUrl` (with `messageFormat`) when given: its id and current PhoneMyBot token. */
export async function newService(
  api: PhoneMyBotClient,
  options: { name: string; language?: string; botUrl?: string; botToken?: string; messageFormat?: "seed" | "booleans" },
) {
  const created = expectData(await api.POST("/api/v1/services", { body: { name: options.name, language: options.language ?? "en-US" } }), "subscribing a service");
  if (options.botUrl === undefined) return { id: created.id, token: created.token };
  const patched = expectData(
    await api.PATCH("/api/v1/services/{id}", {
      params: { path: { id: created.id } },
      body: {
        botUrl: options.botUrl,
        ...(options.botToken !== undefined ? { botToken: options.botToken } : {}),
        ...(options.messageFormat !== undefined ? { messageFormat: options.messageFormat } : {}),
      },
    }),
    "pointing the service at its bot",
  );
  return { id: created.id, token: patched.token };
}

/** Starts a simulated call on `serviceId` from `from`: its conversation id. */
export async function startCall(api: PhoneMyBotClient, serviceId: string, from: string): Promise<string> {
  return expectData(await api.POST("/api/v1/services/{id}/calls", { params: { path: { id: serviceId } }, body: { from } }), "starting a call").conversation;
}

/** The simulated caller says `text` (the raw result: 202, or 409 once the call has ended). */
export function utter(api: PhoneMyBotClient, conversation: string, text: string) {
  return api.POST("/api/v1/calls/{conversation}/utterances", { params: { path: { conversation } }, body: { text } });
}

/** The call record (`GET /api/v1/calls/{conversation}`). */
export async function callRecord(api: PhoneMyBotClient, conversation: string) {
  return expectData(await api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } }), "reading the call");
}

/** A JSON request to the gateway; `key` is sent as a Bearer API key. For requests the typed client can't make (malformed on purpose). */
export async function callGateway(
  base: string,
  path: string,
  init: { method?: string; key?: string; headers?: Record<string, string>; json?: unknown } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json", ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | false | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

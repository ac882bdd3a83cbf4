import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, type Server, createServer } from "node:net";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InheritedListener, LISTENER_MESSAGE } from "../../agent/inherited-listener.ts";
import { startLocalServer } from "../../agent/local-server.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { initLogger } from "../agent/helpers.ts";

// `npm start` binds the agent's port and hands the socket over (scripts/start.mjs), so that nothing can take the port
// while the agent loads and warms up (CI once saw the agent die with EADDRINUSE there, and the gateway with it).

const child = resolve(import.meta.dirname, "../agent/inherited-listener-child.ts");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const process of children.splice(0)) process.kill("SIGKILL");
});

function listening(): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveServer(server));
  });
}

/** Whether `port` can be bound now (the error code if not). */
function bindable(port: number): Promise<true | string> {
  return new Promise((resolveBind) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolveBind(error.code ?? error.message));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolveBind(true)));
  });
}

/** The child fixture with an IPC channel (or without: `ipc: false`); its output lines as they come. */
function startChild(env: Record<string, string>, ipc = true) {
  const started = spawn(process.execPath, ["--import", "tsx", child], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit", ...(ipc ? ["ipc" as const] : [])],
  });
  children.push(started);
  const lines: string[] = [];
  started.stdout?.on("data", (chunk) => lines.push(...String(chunk).trim().split("\n")));
  const line = async (wanted: string) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const found = lines.find((l) => l.startsWith(wanted));
      if (found) return found;
    }
    throw new Error(`no "${wanted}" line; the child printed: ${lines.join(" | ")}`);
  };
  const exited = new Promise<number | null>((resolveExit) => started.on("exit", (code) => resolveExit(code)));
  return { process: started, line, exited };
}

describe("the agent's inherited listener", () => {
  it("serves on the socket it was handed, with no moment the port is free, and answers connections made before it served", async () => {
    const socket = await listening();
    const { port } = socket.address() as AddressInfo;
    const agent = startChild({ AGENT_LISTENER: "ipc", SERVE_AFTER_MS: "1500" });
    await new Promise<void>((sent, failed) => agent.process.send(LISTENER_MESSAGE, socket, (error) => (error ? failed(error) : sent())));
    await new Promise<void>((closed) => socket.close(() => closed()));
    await agent.line("received");

    // Handed over, closed here, not yet served there: the port is still taken, and a request made now waits.
    expect(await bindable(port)).toBe("EADDRINUSE");
    const early = fetch(`http://127.0.0.1:${port}/`).then((res) => res.text());
    await agent.line("serving");
    expect(await early).toBe(`served by ${agent.process.pid}`);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(`served by ${agent.process.pid}`);
  });

  it("is not awaited without AGENT_LISTENER=ipc: the agent binds AGENT_PORT itself", async () => {
    const agent = startChild({ AGENT_LISTENER: "" });
    expect(await agent.line("no listener")).toBe("no listener");
    expect(await agent.exited).toBe(0);
  });

  it("fails with a clear error when AGENT_LISTENER=ipc but no socket comes, or there is no channel to bring one", async () => {
    const waiting = startChild({ AGENT_LISTENER: "ipc", LISTENER_TIMEOUT_MS: "300" });
    expect(await waiting.line("failed")).toBe("failed: AGENT_LISTENER=ipc, but no listening socket arrived within 300 ms");
    expect(await waiting.exited).toBe(1);

    const channelless = startChild({ AGENT_LISTENER: "ipc" }, false);
    expect(await channelless.line("failed")).toBe("failed: AGENT_LISTENER=ipc, but the agent was started without an IPC channel");
    expect(await channelless.exited).toBe(1);
  });

  it("gives the local transport its URL and port, and closing the transport frees the port", async () => {
    initLogger();
    const silero = await SileroModel.load();
    const socket = await listening();
    const { port } = socket.address() as AddressInfo;
    const local = await startLocalServer({
      listener: new InheritedListener(socket),
      agent: { gatewayUrl: "http://127.0.0.1:9", agentSecret: "inherited-listener-secret", noReplyTimeoutMs: 60_000 },
      speech: {},
      vadForCall: () => silero.forCall(),
    });
    expect(local.url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${local.url}/healthz`)).json()).toEqual({ ok: true, calls: 0 });
    await local.close();
    expect(await bindable(port)).toBe(true);
  });
});

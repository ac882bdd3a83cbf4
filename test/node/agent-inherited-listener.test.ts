import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { inheritedListenerFd } from "../../agent/inherited-listener.ts";
import { listeningSocket, spawnAgent } from "../e2e/server.ts";

// `npm start` binds the agent's port and the agent inherits the listening socket (scripts/start.mjs), so that nothing
// can take the port while the agent loads and warms up (CI once saw the agent die with EADDRINUSE there, and the
// gateway with it). The tests' and the bench's agents (test/e2e/server.ts `spawnAgent`) are started the same way.

const root = resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** Whether `port` can be bound now (the error code if not). */
function bindable(port: number): Promise<true | string> {
  return new Promise((resolveBind) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolveBind(error.code ?? error.message));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolveBind(true)));
  });
}

describe("the agent's inherited listening socket", () => {
  it("keeps the agent's port taken from before the agent runs, and answers who connected while it loaded", async () => {
    const { agent, url } = await spawnAgent({ AGENT_SECRET: "inherited-listener-secret", GATEWAY_URL: "http://127.0.0.1:9" }, { stdio: "pipe" });
    children.push(agent);
    let output = "";
    agent.stdout?.on("data", (chunk) => (output += chunk));
    agent.stderr?.on("data", (chunk) => (output += chunk));
    const port = Number(new URL(url).port);

    // The agent is still loading (its modules, Silero, the warm-up): the port is not free, and a request waits.
    expect(output).not.toContain("voice agent (local transport)");
    expect(await bindable(port)).toBe("EADDRINUSE");
    const answered = await fetch(`${url}/healthz`);
    expect(await answered.json()).toEqual({ ok: true, calls: 0 });

    agent.kill("SIGTERM");
    await new Promise((exited) => agent.once("exit", exited));
    expect(await bindable(port)).toBe(true);
  }, 60_000);

  it("is read from AGENT_LISTEN_FD, and a value that is no inherited descriptor is refused", () => {
    expect(inheritedListenerFd({})).toBeUndefined();
    expect(inheritedListenerFd({ AGENT_LISTEN_FD: "" })).toBeUndefined();
    expect(inheritedListenerFd({ AGENT_LISTEN_FD: "3" })).toBe(3);
    for (const bad of ["1", "-3", "3.5", "three"]) {
      expect(() => inheritedListenerFd({ AGENT_LISTEN_FD: bad })).toThrow(`AGENT_LISTEN_FD must be the number of an inherited file descriptor (3 or more), not "${bad}"`);
    }
  });

  it("npm start says so and stops when AGENT_PORT is taken, before starting anything", async () => {
    const holder = await listeningSocket();
    const { port } = holder.address() as AddressInfo;
    try {
      const start = spawn(process.execPath, [resolve(root, "scripts/start.mjs")], {
        cwd: root,
        env: { ...process.env, PORT: "9", AGENT_PORT: String(port), LIVEKIT_URL: "", LOCAL_AGENT: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(start);
      let output = "";
      start.stdout?.on("data", (chunk) => (output += chunk));
      start.stderr?.on("data", (chunk) => (output += chunk));
      const code = await new Promise((exited) => start.once("exit", exited));
      expect(code).toBe(1);
      expect(output.trim()).toBe(`the voice agent cannot listen on AGENT_PORT ${port} at 127.0.0.1: EADDRINUSE`);
    } finally {
      holder.close();
    }
  }, 30_000);
});

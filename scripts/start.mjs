#!/usr/bin/env node
// `npm start`: the gateway on wrangler's local workerd, with persistent local storage and no Cloudflare account,
// and — unless LIVEKIT_URL is set — the voice agent's local transport (agent/index.ts), so that "Call from browser"
// works on a fresh machine. Both stop together: on SIGINT/SIGTERM, or when either exits. LOCAL_AGENT=false runs the
// gateway alone (to run an agent of your own, e.g. `npm run agent` under a debugger, with the same AGENT_SECRET).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const agentHost = process.env.AGENT_HOST ?? host;
const isWildcard = (address) => address === "0.0.0.0" || address === "::";
/** An address as a URL's host (IPv6 in brackets). */
const urlHost = (address) => (address.includes(":") ? `[${address}]` : address);
// Where the agent reaches the gateway (a wildcard address is not one to connect to).
const reachable = isWildcard(host) ? "127.0.0.1" : host;
// The voice agent and the Worker share this secret; a fresh one per run unless one is given.
const agentSecret = process.env.AGENT_SECRET ?? randomBytes(32).toString("base64url");
if (/[\s"'`#$\\]/.test(agentSecret)) {
  console.error("AGENT_SECRET may not contain spaces, quotes, #, $ or backslashes");
  process.exit(1);
}
const withAgent = !process.env.LIVEKIT_URL && process.env.LOCAL_AGENT !== "false";

/** A server listening on `candidate` (0: any free port) at the agent's host. */
function listenAt(candidate) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(candidate, agentHost, () => resolve(server));
  });
}

/**
 * The agent's listening socket, bound and listening here and inherited by the agent (agent/inherited-listener.ts), so
 * that nothing can take its port between our choosing it and the agent serving on it: AGENT_PORT if given; otherwise
 * 8788 (PORT+1 when PORT is set), or any free port if that one is taken.
 */
async function agentListener() {
  if (process.env.AGENT_PORT) {
    return listenAt(Number(process.env.AGENT_PORT)).catch((error) => {
      console.error(`the voice agent cannot listen on AGENT_PORT ${process.env.AGENT_PORT} at ${agentHost}: ${error.code ?? error.message}`);
      process.exit(1);
    });
  }
  try {
    return await listenAt(process.env.PORT ? Number(port) + 1 : 8788);
  } catch {
    return listenAt(0);
  }
}

// The children stay in our process group, so that whoever stops the group (Ctrl-C, a test harness) stops them all.
const children = [];
let stopping = false;
let exitCode = 0;
function stopAll(signal = "SIGTERM") {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  // Whatever has not stopped in 5 s is killed.
  setTimeout(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    process.exit(exitCode || 1);
  }, 5000).unref();
}
function track(child, name) {
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      exitCode = code || 1;
    }
    stopAll();
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stopAll(signal === "SIGHUP" ? "SIGTERM" : signal));
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
});

// The Worker hands browsers the agent's URL; a wildcard host in it stands for the name the browser reached the
// gateway at (worker/livekit/config.ts), unless AGENT_PUBLIC_URL says otherwise.
const listener = withAgent ? await agentListener() : undefined;
const agentUrl = listener ? `http://${urlHost(agentHost)}:${listener.address().port}` : undefined;

// The agent secret reaches wrangler in a file only this user can read, never on a command line (`ps` shows those to
// everyone). The user's own variables file comes first, as wrangler would have read it without --env-file.
const secretsDir = mkdtempSync(join(tmpdir(), "pmb-start-"));
process.on("exit", () => rmSync(secretsDir, { recursive: true, force: true }));
const secretsFile = join(secretsDir, "secrets.env");
writeFileSync(secretsFile, `AGENT_SECRET=${agentSecret}\n`, { mode: 0o600 });
const userEnvFiles = existsSync(join(root, ".dev.vars")) ? [".dev.vars"] : [".env", ".env.local"];

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const wranglerArgs = [join(root, "node_modules/wrangler/bin/wrangler.js"), "dev", "--port", port, "--ip", host, "--persist-to", process.env.PERSIST_TO ?? ".wrangler/state", "--show-interactive-dev-session=false", "--var", "ALLOW_PRIVATE_BOT_URLS:true"];
// wrangler's --env-file, spelled so that Node 20 does not take it for its own option of that name.
for (const file of [...userEnvFiles, secretsFile]) wranglerArgs.push("--envFile", file);
if (agentUrl) wranglerArgs.push("--var", `AGENT_LOCAL_URL:${agentUrl}`);
if (process.env.AGENT_PUBLIC_URL) wranglerArgs.push("--var", `AGENT_PUBLIC_URL:${process.env.AGENT_PUBLIC_URL}`);
// wrangler's own launcher (not npx, which does not pass SIGTERM on) so that stopping it stops workerd too.
track(spawn(process.execPath, wranglerArgs, { stdio: "inherit", env, cwd: root }), "wrangler dev");

if (agentUrl) {
  const agentEnv = {
    ...env,
    AGENT_SECRET: agentSecret,
    GATEWAY_URL: `http://${urlHost(reachable)}:${port}`,
    AGENT_PORT: new URL(agentUrl).port,
    AGENT_HOST: agentHost,
    AGENT_LISTEN_FD: "3",
  };
  // The socket is the agent's fd 3. Node offers no public way to a server's descriptor: `_handle.fd` is it (Unix).
  // tsx as a loader, not its CLI (which runs the script in a second process): the agent is this child itself.
  const agent = spawn(process.execPath, ["--import", "tsx", join(root, "agent/index.ts")], { stdio: ["inherit", "inherit", "inherit", listener._handle.fd], env: agentEnv, cwd: root });
  // Closed here at once, before this process could accept a connection on it: the agent's copy listens on.
  listener.close();
  track(agent, "voice agent");
}

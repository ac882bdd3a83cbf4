#!/usr/bin/env node
// `npm start`: the gateway on wrangler's local workerd, with persistent local storage and no Cloudflare account.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

const port = process.env.PORT ?? "8787";
// The voice agent and the Worker share this secret; a fresh one per run unless one is given.
const agentSecret = process.env.AGENT_SECRET ?? randomBytes(32).toString("base64url");
const env = { ...process.env, AGENT_SECRET: agentSecret, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const wrangler = spawn(
  "npx",
  ["wrangler", "dev", "--port", port, "--ip", process.env.HOST ?? "127.0.0.1", "--persist-to", process.env.PERSIST_TO ?? ".wrangler/state", "--show-interactive-dev-session=false", "--var", `AGENT_SECRET:${agentSecret}`, "--var", "ALLOW_PRIVATE_BOT_URLS:true"],
  { stdio: "inherit", env },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));

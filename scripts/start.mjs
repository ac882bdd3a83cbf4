#!/usr/bin/env node
// `npm start`: the gateway on wrangler's local workerd, with persistent local storage and no Cloudflare account.
import { spawn } from "node:child_process";

const port = process.env.PORT ?? "8787";
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const wrangler = spawn(
  "npx",
  ["wrangler", "dev", "--port", port, "--ip", process.env.HOST ?? "127.0.0.1", "--persist-to", ".wrangler/state", "--show-interactive-dev-session=false"],
  { stdio: "inherit", env },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));

import { existsSync, readFileSync } from "node:fs";

/** Reads KEY=VALUE lines from wrangler's `.dev.vars` (so `npm start` and the agent share AGENT_SECRET). */
export function readDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export interface AgentConfig {
  gatewayUrl: string;
  agentSecret: string;
  /** NO_REPLY_TIMEOUT_MS: overrides every service's `botSlowSeconds` (tests, benchmarks); unset, each service's own. */
  noReplyTimeoutMs: number | undefined;
}

export function agentConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const devVars = readDevVars();
  const agentSecret = env.AGENT_SECRET ?? devVars.AGENT_SECRET;
  if (!agentSecret) throw new Error("AGENT_SECRET is not set (environment or .dev.vars)");
  return {
    gatewayUrl: env.GATEWAY_URL ?? `http://127.0.0.1:${env.PORT ?? 8787}`,
    agentSecret,
    noReplyTimeoutMs: env.NO_REPLY_TIMEOUT_MS ? Number(env.NO_REPLY_TIMEOUT_MS) : undefined,
  };
}

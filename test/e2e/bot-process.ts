import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { until } from "./server.ts";

export const repositoryRoot = resolve(import.meta.dirname, "../..");

export interface BotProcess {
  logs: () => string;
  stop: () => Promise<void>;
}

/** Starts a bot as a child process (its own process group) and waits until `url` answers HTTP. */
export async function startBotProcess(command: string, args: string[], env: Record<string, string>, url: string): Promise<BotProcess> {
  let output = "";
  let exited = false;
  const child: ChildProcess = spawn(command, args, { cwd: repositoryRoot, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited || !child.pid) return;
    process.kill(-child.pid, "SIGTERM");
    await until(async () => exited, 5_000, `${command} to exit`).catch(() => process.kill(-child.pid!, "SIGKILL"));
  };
  try {
    await until(
      async () => {
        if (exited) throw new Error(`${command} ${args.join(" ")} exited:\n${output}`);
        return fetch(url, { method: "GET" }).then(() => true, () => false);
      },
      30_000,
      `${command} to listen on ${url}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { logs: () => output, stop };
}

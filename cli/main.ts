import { readFile } from "node:fs/promises";
import { ApiRequestError, managementClient } from "../client/index.ts";
import { runCall, type CallerInput } from "./call.ts";
import { scriptLines } from "./call-progress.ts";
import { HELP, parseCommand, UsageError } from "./options.ts";
import { Output } from "./output.ts";

/** Exit codes (also in `--help`). */
const EXIT = { usage: 2, gateway: 3 } as const;

/** `phonemybot …`: runs the command `argv` asks for and returns the process's exit code. */
export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const output = new Output(argv.includes("--json"));
  try {
    const command = parseCommand(argv, env);
    if (command.name === "help") {
      const topic = command.topic === "call" || command.topic === "say" ? command.topic : "main";
      process.stdout.write(`${HELP[topic]}\n`);
      return 0;
    }
    const api = managementClient(command.global.url, command.global.apiKey);
    if (command.name === "call") {
      const input: CallerInput =
        command.script !== undefined || !process.stdin.isTTY ? { lines: await scriptFrom(command.script) } : { terminal: process.stdin };
      return await runCall(api, command, input, output);
    }
    // Only `say` loads the audio code (and its native module).
    const { runSay } = await import("./say.ts");
    return await runSay(api, command, output);
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`${error.message} (see phonemybot --help)`);
      return EXIT.usage;
    }
    if (error instanceof ApiRequestError) {
      output.error(error.status === 401 ? `${error.message} — check PHONEMYBOT_API_KEY or --api-key` : error.message);
      return EXIT.gateway;
    }
    if (error instanceof TypeError && error.message === "fetch failed") {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      output.error(`cannot reach the gateway (${cause?.code ?? cause?.message ?? "no answer"}): is it running? Set PHONEMYBOT_URL or --url`);
      return EXIT.gateway;
    }
    output.error((error as Error).message);
    return EXIT.gateway;
  }
}

/** The script's lines: from the file, or from stdin for `-` or no file. */
async function scriptFrom(file: string | undefined): Promise<string[]> {
  if (file !== undefined && file !== "-") {
    try {
      return scriptLines(await readFile(file, "utf8"));
    } catch (error) {
      throw new UsageError(`cannot read the script ${file}: ${(error as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return scriptLines(Buffer.concat(chunks).toString("utf8"));
}

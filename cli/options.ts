import { parseArgs } from "node:util";

export const DEFAULT_URL = "http://localhost:8787";

/** A mistake in how the command was called: shown with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {}

const OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  script: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  wait: { type: "string" },
  out: { type: "string", short: "o" },
  timeout: { type: "string" },
} as const;

export interface GlobalOptions {
  /** The gateway, without a trailing slash. */
  url: string;
  apiKey: string;
  json: boolean;
}

export type Command =
  | { name: "help"; topic?: string }
  | { name: "call"; serviceId: string; global: GlobalOptions; script?: string; from: string; to?: string; waitMs: number }
  | { name: "say"; serviceId: string; wav: string; global: GlobalOptions; out?: string; timeoutMs: number };

/** What `argv` (after the program name) asks for, with `env` giving PHONEMYBOT_URL and PHONEMYBOT_API_KEY. */
export function parseCommand(argv: string[], env: Record<string, string | undefined>): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === "help") return { name: "help", topic: name === "help" ? rest[0] : name };
  if (name !== "call" && name !== "say") throw new UsageError(`unknown command "${name}"`);

  if (name === "call" && rest.length !== 1) throw new UsageError("usage: phonemybot call <serviceId> [--script file]");
  if (name === "say" && rest.length !== 2) throw new UsageError("usage: phonemybot say <serviceId> <file.wav> [--out reply.wav]");
  const apiKey = values["api-key"] ?? env.PHONEMYBOT_API_KEY;
  if (!apiKey) throw new UsageError("no API key: set PHONEMYBOT_API_KEY or pass --api-key");
  const url = gatewayUrl(values.url ?? env.PHONEMYBOT_URL ?? DEFAULT_URL);
  const global = { url, apiKey, json: values.json };

  if (name === "call") {
    return {
      name,
      serviceId: rest[0]!,
      global,
      ...(values.script !== undefined ? { script: values.script } : {}),
      from: values.from ?? "+15555550100",
      ...(values.to !== undefined ? { to: values.to } : {}),
      waitMs: milliseconds("--wait", values.wait, 3000),
    };
  }
  return {
    name,
    serviceId: rest[0]!,
    wav: rest[1]!,
    global,
    ...(values.out !== undefined ? { out: values.out } : {}),
    timeoutMs: milliseconds("--timeout", values.timeout, 30_000),
  };
}

function gatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`not a URL: ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`the gateway URL must be http(s): ${value}`);
  return url.href.replace(/\/+$/, "");
}

function milliseconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`${flag} takes milliseconds, not "${value}"`);
  return ms;
}

export const HELP: Record<"main" | "call" | "say", string> = {
  main: `phonemybot — call your bot through a PhoneMyBot gateway from the terminal

Usage:
  phonemybot call <serviceId> [--script file] [--from number] [--to number] [--wait ms]
  phonemybot say <serviceId> <file.wav> [--out reply.wav] [--timeout ms]
  phonemybot help [call|say]

Options for every command:
  --url URL         the gateway (default: $PHONEMYBOT_URL, else ${DEFAULT_URL})
  --api-key KEY     your account's API key (default: $PHONEMYBOT_API_KEY)
  --json            print one JSON document with the result on stdout, and no progress
  -h, --help        this help

Exit codes: 0 done; 1 a message did not reach the bot (or the bot did not answer a recording);
2 a usage mistake; 3 the gateway refused or could not be reached.`,
  call: `phonemybot call <serviceId> — a simulated (text) call: you are the caller, the bot answers

Type a line and press Enter to say it; the bot's answers are printed as they arrive. Ctrl-D or Ctrl-C hangs up.
With --script file (or lines piped on stdin) each line of the file is said in turn (blank lines and lines starting
with # are skipped); after each one the command waits until the gateway has delivered it and for the bot's answer.

  --script FILE     the caller's lines ("-" for stdin)
  --from NUMBER     the caller's number (default +15555550100)
  --to NUMBER       the number called (default: the service's first number)
  --wait MS         how long to wait for the bot's answer after each scripted line (default 3000)

Exits 1 if any message could not be delivered to the bot (its URL refused, failed or timed out).

Example:
  printf 'hello\\ngoodbye\\n' | PHONEMYBOT_API_KEY=pmbk_… npx phonemybot call svc_123`,
  say: `phonemybot say <serviceId> <file.wav> — speak a recording to your bot through the local voice agent

Sends the WAV (any sample rate, mono or stereo, 8/16/24/32-bit or float) as the caller's microphone to the voice
agent that \`npm start\` runs next to the gateway, then prints what the recognizer heard, the bot's reply, and
writes the reply's audio as a WAV (PCM 16-bit mono 24 kHz).

  --out FILE        where to write the reply's audio (default: not written)
  --timeout MS      how long to wait for the transcript and the bot's reply (default 30000)

Exits 1 if the bot did not answer or a message could not be delivered to it.

Example:
  npx phonemybot say svc_123 question.wav --out reply.wav`,
};

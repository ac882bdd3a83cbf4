import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeWav, rms } from "../../agent/audio.ts";
import { expectData, managementClient } from "../../client/index.ts";
import { startEchoBot } from "../support/echo-bot.ts";
import { startFakeBot } from "../support/fake-bot.ts";
import { type Gateway, newAccount, newService, startGateway, until } from "./server.ts";

/**
 * The `phonemybot` terminal caller (cli/), run as a child process against `npm start`'s gateway and voice agent:
 * `call` scripted from a file and from stdin, its exit codes and `--json`; `say` with an espeak-ng recording
 * through the local agent's offline speech.
 */
const root = resolve(import.meta.dirname, "../..");
const CALLER_PHRASE = "hello i would like to book a table for two";
/** What the agent's offline recognizer may hear: a small grammar, as in test/node/agent-e2e.test.ts. */
const PHRASES = [CALLER_PHRASE, "what time do you open", "goodbye"];

let gateway: Gateway;
let echo: Awaited<ReturnType<typeof startEchoBot>>;
let refusing: Awaited<ReturnType<typeof startFakeBot>>;
let work: string;
let apiKey: string;
let echoService: string;
let refusingService: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node cli/phonemybot.mjs …args` with the gateway in PHONEMYBOT_URL; `stdin`: what is piped in. */
function phonemybot(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const child = spawn(process.execPath, [join(root, "cli/phonemybot.mjs"), ...args], {
    cwd: work,
    env: { ...process.env, PHONEMYBOT_URL: gateway.url, PHONEMYBOT_API_KEY: apiKey, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += String(chunk)));
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  child.stdin.end(options.stdin ?? "");
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "pmb-cli-"));
  gateway = await startGateway({ OFFLINE_STT_PHRASES: PHRASES.join("|"), DELIVERY_RETRY_DELAYS_MS: "100,200" });
  [echo, refusing] = await Promise.all([startEchoBot(gateway.url), startFakeBot()]);
  const account = await newAccount(gateway.url, "cli");
  apiKey = account.apiKey;
  const echoLine = await newService(account.api, { name: "Echo", botUrl: `${echo.url}/bot/{conversation}`, botToken: "cli-bot-secret" });
  echo.token = echoLine.token;
  echoService = echoLine.id;
  refusingService = (await newService(account.api, { name: "Refusing", botUrl: `${refusing.url}/bot/{conversation}?refuse=1` })).id;
}, 120_000);

afterAll(async () => {
  await echo?.close();
  await refusing?.close();
  await gateway?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 30_000);

describe("phonemybot call", () => {
  it("says a script's lines, prints the bot's answers, and exits 0 when the bot hangs up", async () => {
    const script = join(work, "script.txt");
    await writeFile(script, "# a comment, skipped\nhello there\n\nwhat time do you open\ngoodbye\nnever said\n");
    const run = await phonemybot(["call", echoService, "--script", script]);
    expect(run.stderr).not.toMatch(/phonemybot:/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "bot: Hello, this is the echo bot.",
      "you: hello there",
      "bot: You said: hello there.",
      "you: what time do you open",
      "bot: You said: what time do you open.",
      "you: goodbye",
      "bot: Goodbye!  [hangs up]",
    ]);
    expect(run.stderr).toContain("call ended: the bot ended the call");
    expect(run.stderr).toContain("1 line(s) of the script not said");
    const conversation = /call (\S+) started/.exec(run.stderr)![1]!;
    expect(echo.received.get(conversation)).toEqual(["", "hello there", "what time do you open", "goodbye"]);
  }, 60_000);

  it("reads the script from stdin and prints one JSON document with --json", async () => {
    const run = await phonemybot(["call", echoService, "--json", "--from", "+442071838750"], { stdin: "a table for two\n" });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, serviceId: echoService, endReason: "caller_hangup", failedDeliveries: 0 });
    expect(result.messages.map((m: { direction: string; body: string }) => `${m.direction} ${m.body}`)).toEqual([
      "to_bot ",
      "from_bot Hello, this is the echo bot.",
      "to_bot a table for two",
      "from_bot You said: a table for two.",
      "to_bot ",
    ]);
    // The same call, as the management API shows it.
    const call = expectData(
      await managementClient(gateway.url, apiKey).GET("/api/v1/calls/{conversation}", { params: { path: { conversation: result.conversation } } }),
      "reading the call",
    );
    expect(call.from).toBe("+442071838750");
    expect(call.state).toBe("ended");
  }, 60_000);

  it("lets you type as the caller at a terminal and hangs up on Ctrl-D", async () => {
    // util-linux's `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, "cli/phonemybot.mjs"))} call ${echoService}`;
    const child = spawn("script", ["-qfec", cli, "/dev/null"], {
      cwd: work,
      env: { ...process.env, PHONEMYBOT_URL: gateway.url, PHONEMYBOT_API_KEY: apiKey, TERM: "dumb" },
    });
    let screen = "";
    child.stdout.on("data", (chunk) => (screen += String(chunk)));
    child.stderr.on("data", (chunk) => (screen += String(chunk)));
    const exited = new Promise<number | null>((done) => child.on("close", done));
    const shows = (text: string) => until(async () => screen.includes(text), 20_000, `the terminal to show ${JSON.stringify(text)}:\n${screen}`);

    await shows("bot: Hello, this is the echo bot.");
    await shows("you> ");
    child.stdin.write("a table for two\r");
    await shows("bot: You said: a table for two.");
    child.stdin.write("\x04"); // Ctrl-D
    expect(await exited, screen).toBe(0);
    expect(screen).toContain("you hung up");
    expect(screen).toMatch(/✓ 3 message\(s\) delivered, 2 answer\(s\)/);
  }, 60_000);

  it("exits 1 when the bot refuses the messages", async () => {
    const run = await phonemybot(["call", refusingService, "--wait", "300"], { stdin: "hello\n" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("✗ not delivered to the bot: the bot refused it: rejected");
    expect(run.stderr).toMatch(/✗ 3 message\(s\) did not reach the bot/);

    const json = await phonemybot(["call", refusingService, "--json", "--wait", "300"], { stdin: "hello\n" });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, failedDeliveries: 3, delivered: 0 });
  }, 60_000);

  it("exits 2 on a usage mistake and 3 when the gateway refuses the key", async () => {
    const noKey = await phonemybot(["call", echoService], { env: { PHONEMYBOT_API_KEY: "" } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("no API key: set PHONEMYBOT_API_KEY or pass --api-key");

    const badKey = await phonemybot(["call", echoService, "--api-key", "pmbk_not-a-key", "--json"], { stdin: "hi\n" });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toMatch(/starting the call: 401 .*check PHONEMYBOT_API_KEY/);
    expect(JSON.parse(badKey.stdout)).toMatchObject({ ok: false });

    await writeFile(join(work, "notes.txt"), "not audio at all");
    const notWav = await phonemybot(["say", echoService, "notes.txt"]);
    expect(notWav.code).toBe(2);
    expect(notWav.stderr).toMatch(/cannot read notes.txt: not a WAV file we can read/);

    const unknown = await phonemybot(["call", "no-such-service"], { stdin: "hi\n" });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/starting the call: 404/);
  }, 60_000);

  it("is the package's bin: npx phonemybot --help", () => {
    const run = spawnSync("npx", ["--offline", "phonemybot", "--help"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("phonemybot call <serviceId>");
    expect(run.stdout).toContain("phonemybot say <serviceId> <file.wav>");
  }, 60_000);
});

describe("phonemybot say", () => {
  it("speaks a WAV to the bot through the local voice agent, prints the transcript and the reply, and writes the reply's audio", async () => {
    const recording = join(work, "question.wav");
    // espeak-ng's own WAV (22.05 kHz): the CLI resamples it to the agent's 16 kHz.
    await writeFile(recording, spawnSync("espeak-ng", ["-v", "en-us", "--stdout", CALLER_PHRASE]).stdout);
    const out = join(work, "reply.wav");
    const run = await phonemybot(["say", echoService, recording, "--out", out, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout);
    const reply = `You said: ${CALLER_PHRASE}.`;
    expect(result).toMatchObject({ ok: true, greeting: ["Hello, this is the echo bot."], transcript: CALLER_PHRASE, reply, failedDeliveries: 0 });

    // The reply's audio is a valid WAV of the spoken reply: about as long as espeak-ng says it, and not silence.
    const wav = new wavefile.WaveFile(await readFile(out));
    expect(wav.fmt).toMatchObject({ numChannels: 1, sampleRate: 24_000, bitsPerSample: 16 });
    const { samples } = decodeWav(Buffer.from(await readFile(out)));
    const seconds = samples.length / 24_000;
    const espeak = decodeWav(spawnSync("espeak-ng", ["-v", "en-us", "-s", "165", "--stdout", reply]).stdout);
    const expected = espeak.samples.length / espeak.sampleRate;
    expect(seconds).toBeGreaterThan(expected * 0.7);
    expect(seconds).toBeLessThan(expected * 1.5 + 1.5);
    expect(result.audio.seconds).toBeCloseTo(seconds, 2);
    expect(rms(samples)).toBeGreaterThan(0.02);
  }, 90_000);

  it("prints for people without --json", async () => {
    const recording = join(work, "open.wav");
    await writeFile(recording, spawnSync("espeak-ng", ["-v", "en-us", "--stdout", "what time do you open"]).stdout);
    const run = await phonemybot(["say", echoService, recording]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toBe("bot (greeting): Hello, this is the echo bot.\nyou (heard): what time do you open\nbot: You said: what time do you open.\n");
    expect(run.stderr).toContain("✓ the bot answered");
  }, 90_000);
});

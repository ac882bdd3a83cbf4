import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { type CallRecord, type PhoneMyBotClient, expectData } from "../client/index.ts";
import { endReasonText } from "../protocol/end-reasons.ts";
import { type CallProgress, allSettled } from "./call-progress.ts";
import { CallWatcher } from "./call-watcher.ts";
import type { Output } from "./output.ts";

/** How long to wait for the gateway to settle a delivery: its retries take about 32 s, each try up to 10 s. */
const SETTLE_MS = 90_000;
/** Once the bot has started answering a line, how long a pause ends its answer. */
const ANSWER_PAUSE_MS = 500;

export interface CallOptions {
  serviceId: string;
  from: string;
  to?: string;
  /** After each scripted line, how long to wait for the bot's first answer. */
  waitMs: number;
}

/** The caller's side: lines from a script, or typed at a terminal. */
export type CallerInput = { lines: string[] } | { terminal: Readable };

const toBot = (call: CallRecord) => call.messages.filter((m) => m.direction === "to_bot").length;
const fromBot = (call: CallRecord) => call.messages.filter((m) => m.direction === "from_bot").length;
const ended = (call: CallRecord) => call.state === "ended";

/**
 * `phonemybot call`: a simulated call (`POST /api/v1/services/{id}/calls`), the caller's lines as utterances, the
 * bot's answers as they arrive, then hang up. Returns the exit code: 1 when a message did not reach the bot.
 */
export async function runCall(api: PhoneMyBotClient, options: CallOptions, input: CallerInput, output: Output): Promise<number> {
  let prompt: (() => void) | undefined;
  const show = (progress: CallProgress) => {
    if (prompt) process.stdout.write("\r\x1b[K");
    describe(progress, output);
    prompt?.();
  };

  const { conversation } = expectData(
    await api.POST("/api/v1/services/{id}/calls", {
      params: { path: { id: options.serviceId } },
      body: { from: options.from, ...(options.to ? { to: options.to } : {}) },
    }),
    "starting the call",
  );
  output.progress(`· call ${conversation} started from ${options.from}`);
  const watcher = new CallWatcher(api, conversation, show);
  watcher.start();
  try {
    // The bot is told of the call first (`new`), and may greet the caller.
    const answered = fromBot(watcher.latest ?? (await watcher.refresh()));
    await watcher.until((call) => ended(call) || (toBot(call) >= 1 && allSettled(call)), SETTLE_MS);
    await awaitAnswers(watcher, answered, options.waitMs);

    if ("lines" in input) await sayLines(api, watcher, input.lines, options, output);
    else {
      const terminal = createInterface({ input: input.terminal, output: process.stdout, prompt: "you> " });
      prompt = () => terminal.prompt(true);
      await converse(api, watcher, terminal, output);
      prompt = undefined;
    }

    if (!ended(watcher.latest!)) {
      expectData(await api.DELETE("/api/v1/calls/{conversation}", { params: { path: { conversation } } }), "hanging up");
      output.progress("· you hung up");
    }
    // The bot's `last` message, and anything still being retried, settle before the verdict.
    if (!(await watcher.until((call) => ended(call) && allSettled(call), SETTLE_MS))) output.progress("· some deliveries were still being retried");
    const call = await watcher.refresh();
    return report(call, output);
  } finally {
    await watcher.stop();
  }
}

async function sayLines(api: PhoneMyBotClient, watcher: CallWatcher, lines: string[], options: CallOptions, output: Output) {
  for (const [n, line] of lines.entries()) {
    if (ended(watcher.latest!)) {
      output.progress(`· the call ended with ${lines.length - n} line(s) of the script not said`);
      return;
    }
    output.say(`you: ${line}`);
    const before = watcher.latest!;
    const sent = await utter(api, watcher.conversation, line);
    if (!sent) continue;
    const expected = toBot(before) + 1;
    await watcher.until((call) => ended(call) || (toBot(call) >= expected && allSettled(call)), SETTLE_MS);
    await awaitAnswers(watcher, fromBot(before), options.waitMs);
  }
}

/** Lines typed at a terminal, until Ctrl-D, Ctrl-C or the end of the call. */
async function converse(api: PhoneMyBotClient, watcher: CallWatcher, terminal: ReturnType<typeof createInterface>, output: Output) {
  output.progress("· type what the caller says and press Enter; Ctrl-D hangs up");
  terminal.prompt();
  const closed = new Promise<void>((resolve) => terminal.once("close", resolve));
  terminal.on("SIGINT", () => terminal.close());
  terminal.on("line", (line) => {
    const text = line.trim();
    if (text) void utter(api, watcher.conversation, text).catch((error: Error) => output.progress(`✗ ${error.message}`));
    terminal.prompt();
  });
  void watcher.until(ended, 24 * 3600_000).then((over) => over && terminal.close(), () => terminal.close());
  await closed;
  process.stdout.write("\n");
}

/** Says `text` on the call; false when the call has already ended (409). */
async function utter(api: PhoneMyBotClient, conversation: string, text: string): Promise<boolean> {
  const result = await api.POST("/api/v1/calls/{conversation}/utterances", { params: { path: { conversation } }, body: { text } });
  if (result.response.status === 409) return false;
  expectData(result, "saying a line");
  return true;
}

/** Waits up to `waitMs` for the bot's first message after `answered` of them, then until it pauses. */
async function awaitAnswers(watcher: CallWatcher, answered: number, waitMs: number) {
  if (!(await watcher.until((call) => ended(call) || fromBot(call) > answered, waitMs))) return;
  while (!ended(watcher.latest!)) {
    const seen = fromBot(watcher.latest!);
    if (!(await watcher.until((call) => ended(call) || fromBot(call) > seen, ANSWER_PAUSE_MS))) return;
  }
}

function describe(progress: CallProgress, output: Output) {
  switch (progress.kind) {
    case "bot":
      output.say(`bot: ${progress.message.body}${progress.message.last ? "  [hangs up]" : ""}`);
      return;
    case "delivered":
      output.progress(progress.message.new ? "  ✓ the bot was told of the call" : "  ✓ delivered");
      return;
    case "failed":
      output.progress(`  ✗ not delivered to the bot: ${progress.error}`);
      return;
    case "test_chat":
      output.progress("  · kept for the portal's test chat (the service has no bot URL: demo mode)");
      return;
    case "ended":
      output.progress(`· call ended: ${endReasonText(progress.reason)}`);
  }
}

function report(call: CallRecord, output: Output): number {
  const failed = call.messages.filter((m) => m.delivery === "failed").length;
  const delivered = call.messages.filter((m) => m.delivery === "delivered").length;
  if (failed > 0) output.progress(`✗ ${failed} message(s) did not reach the bot, ${delivered} delivered`);
  else output.progress(`✓ ${delivered} message(s) delivered, ${call.messages.filter((m) => m.direction === "from_bot").length} answer(s)`);
  output.result({
    ok: failed === 0,
    conversation: call.conversation,
    serviceId: call.serviceId,
    endReason: call.endReason,
    delivered,
    failedDeliveries: failed,
    messages: call.messages,
  });
  return failed > 0 ? 1 : 0;
}

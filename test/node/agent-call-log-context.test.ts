import { initializeLogger, log } from "@livekit/agents";
import { afterEach, describe, expect, it } from "vitest";
import { runAsCall, tagFrameworkLogs } from "../../agent/call-log-context.ts";

/** The framework's own logger (pino, JSON lines to stdout), freshly made, its lines caught from stdout. */
function frameworkLogger() {
  initializeLogger({ pretty: false, level: "debug" });
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith("{")) for (const line of text.trim().split("\n")) lines.push(JSON.parse(line));
    else return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    return true;
  }) as typeof process.stdout.write;
  restore = () => (process.stdout.write = write);
  return { logger: log(), lines };
}
let restore = () => {};
afterEach(() => restore());

describe("the call's ids on the framework's log lines", () => {
  it("lines written from a call's async work carry its ids (as they are when written), others do not; the caller's words are redacted", async () => {
    const { logger, lines } = frameworkLogger();
    tagFrameworkLogs(logger);
    const ids = { conversation: "c-1", serviceId: null as string | null, accountId: null as string | null };
    runAsCall(() => ids, () => {
      logger.info("right away");
      setTimeout(() => logger.debug({ "lk.pii.transcript": "my card number" }, "in a timer the call started"), 5);
    });
    // The gateway's `started` tells the call its service and account later.
    ids.serviceId = "svc_1";
    ids.accountId = "acc_1";
    await new Promise((resolve) => setTimeout(resolve, 30));
    logger.info({ conversation: "own" }, "outside any call");
    restore();
    expect(lines.map(({ msg, conversation, serviceId, accountId }) => ({ msg, conversation, serviceId, accountId }))).toEqual([
      { msg: "right away", conversation: "c-1", serviceId: null, accountId: null },
      { msg: "in a timer the call started", conversation: "c-1", serviceId: "svc_1", accountId: "acc_1" },
      { msg: "outside any call", conversation: "own", serviceId: undefined, accountId: undefined },
    ]);
    expect(lines[1]!["lk.pii.transcript"]).toBe("[redacted]");
  });

  it("tags the framework's child loggers: one made before, and one that is the logger (as in the framework's job processes)", () => {
    const first = frameworkLogger();
    const madeBefore = first.logger.child({ jobID: "J" });
    tagFrameworkLogs(first.logger);
    restore();
    const second = frameworkLogger();
    const jobLogger = second.logger.child({ jobID: "K" });
    tagFrameworkLogs(jobLogger);
    runAsCall(() => ({ conversation: "c-2", serviceId: "s", accountId: "a" }), () => {
      madeBefore.info("from a child made before its parent was tagged");
      jobLogger.info("from a child tagged itself");
    });
    restore();
    expect(second.lines).toEqual([
      expect.objectContaining({ jobID: "J", conversation: "c-2", serviceId: "s", accountId: "a" }),
      expect.objectContaining({ jobID: "K", conversation: "c-2", serviceId: "s", accountId: "a" }),
    ]);
  });
});

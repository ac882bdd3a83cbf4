import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { JobProcExecutor } from "../../node_modules/@livekit/agents/dist/ipc/job_proc_executor.js";
import { nodeOptionsSharingAsyncStorage } from "../../agent/share-async-storage.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { launchJob, nodeOptionsLoadingTypeScript } from "../agent/job-process.ts";

/**
 * On the LiveKit path each call runs in a job process of the framework's, which loads the framework before our agent
 * module: the worker (agent/main.ts) hands its job processes NODE_OPTIONS that install the shared AsyncLocalStorages
 * first. Real job processes, forked by the framework's executor, without a LiveKit server.
 */

const savedNodeOptions = process.env.NODE_OPTIONS;
const dir = mkdtempSync(join(tmpdir(), "job-storage-"));
const executors: JobProcExecutor[] = [];

beforeAll(() => initLogger());
afterEach(() => {
  process.env.NODE_OPTIONS = savedNodeOptions;
  if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
});
afterAll(() => {
  for (const executor of executors) executor.proc?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function reportOfJob(id: string, nodeOptions: string): Promise<unknown> {
  process.env.NODE_OPTIONS = nodeOptions;
  const reportFile = join(dir, `${id}.json`);
  executors.push(await launchJob(join(import.meta.dirname, "../agent/storage-job.ts"), id, JSON.stringify({ reportFile })));
  // Until the file is there and whole.
  const report = () => {
    try {
      return JSON.parse(readFileSync(reportFile, "utf8")) as unknown;
    } catch {
      return undefined;
    }
  };
  return await waitFor(report, 30_000, `job ${id}'s report`);
}

describe("a job process of the worker's", () => {
  it("shares its AsyncLocalStorages, the framework's included, with the worker's NODE_OPTIONS; not without them", async () => {
    // What agent/main.ts sets before the framework forks its job processes.
    expect(await reportOfJob("shared", nodeOptionsSharingAsyncStorage(savedNodeOptions))).toEqual({ frameworkStorageShared: true, taskFindsItself: true });
    // Only TypeScript loaded, as before: the framework's storages are Node's own there.
    expect(await reportOfJob("own", nodeOptionsLoadingTypeScript(savedNodeOptions))).toEqual({ frameworkStorageShared: false, taskFindsItself: true });
  }, 120_000);
});

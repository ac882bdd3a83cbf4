/**
 * An agent module for the framework's job processes, for test/node/agent-job-shared-storage.test.ts: its entry writes
 * to the file the job's metadata names whether the framework's AsyncLocalStorages in that process are shared ones
 * (agent/shared-async-storage.ts) and whether a task of the framework's still finds itself through them.
 */
import { writeFileSync } from "node:fs";
import { type JobContext, defineAgent } from "@livekit/agents";
// The framework's module by path, as its job process loaded it (its Task is not exported by the package).
import { Task } from "../../node_modules/@livekit/agents/dist/utils.js";
import { SharedAsyncLocalStorage } from "../../agent/shared-async-storage.ts";

export default defineAgent({
  entry: async (ctx: JobContext) => {
    const { reportFile } = JSON.parse(ctx.job.metadata) as { reportFile: string };
    const task: Task<boolean> = Task.from(async (): Promise<boolean> => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return Task.current() === task;
    });
    // A private static of the framework's: the storage its tasks are found through.
    const frameworkStorage = (Task as unknown as { currentTaskStorage: unknown }).currentTaskStorage;
    const report = { frameworkStorageShared: frameworkStorage instanceof SharedAsyncLocalStorage, taskFindsItself: await task.result };
    writeFileSync(reportFile, JSON.stringify(report));
    ctx.shutdown("reported");
  },
});

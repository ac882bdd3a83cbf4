/**
 * An agent module for the framework's job processes, for test/node/agent-job-shared-storage.test.ts: its entry writes
 * the process's framework storage report (test/agent/framework-storage-report.ts) to the file the job's metadata names.
 */
import { writeFileSync } from "node:fs";
import { type JobContext, defineAgent } from "@livekit/agents";
import { frameworkStorageReport } from "./framework-storage-report.ts";

export default defineAgent({
  entry: async (ctx: JobContext) => {
    const { reportFile } = JSON.parse(ctx.job.metadata) as { reportFile: string };
    writeFileSync(reportFile, JSON.stringify(await frameworkStorageReport()));
    ctx.shutdown("reported");
  },
});

/**
 * An agent module for the framework's job processes (as agent/main.ts is), for test/node/agent-job-metrics.test.ts:
 * its entry counts a call in the process's call metrics as a call does (agent/call-metrics.ts), wrapped in the same
 * push as agent/main.ts's, but without a room (there is no LiveKit server here). The job's metadata says how long the
 * call lasts; then the job shuts down, as agent/livekit-job.ts has it do when the call is over.
 */
import { type JobContext, defineAgent } from "@livekit/agents";
import { callMetrics } from "../../agent/call-metrics.ts";
import { withJobMetricsPushed } from "../../agent/job-metrics-push.ts";
import { activeCalls, callsTotal } from "../../agent/metrics.ts";

export default defineAgent({
  entry: (ctx: JobContext) =>
    withJobMetricsPushed(async () => {
      const { callMs, gapMs } = JSON.parse(ctx.job.metadata) as { callMs: number; gapMs: number };
      activeCalls.inc();
      callMetrics.turn();
      callMetrics.span("gap", gapMs);
      await new Promise((resolve) => setTimeout(resolve, callMs));
      activeCalls.dec();
      callsTotal.inc({ reason: "caller_hangup" });
      ctx.shutdown("call over");
    }),
});

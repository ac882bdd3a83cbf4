/**
 * The LiveKit worker (production): registers with LIVEKIT_URL using LIVEKIT_API_KEY / LIVEKIT_API_SECRET and takes
 * jobs dispatched to agent name `phonemybot` (AGENT_NAME). Each job is one call in its own room: a SIP caller (caller
 * and called numbers from the SIP participant's attributes) or a browser (the service in the job metadata). The
 * call itself is the same `CallSession` as the local transport, with the room carrying the audio; the job's glue
 * (waiting for the caller, DTMF, the caller leaving, deleting the room to hang up) is agent/livekit-job.ts.
 * There is no LiveKit server here: that glue is tested against a stand-in room and a fake of LiveKit's Twirp API
 * (test/node/livekit-job.test.ts), but this entry, the room's audio and real SIP calls have not been run. See
 * docs/voice.md for running it for real.
 */
// First, before the framework loads: this process's AsyncLocalStorages are shared ones (agent/share-async-storage.ts).
import { nodeOptionsSharingAsyncStorage } from "./share-async-storage.ts";
import { fileURLToPath } from "node:url";
import { type JobContext, type JobProcess, ServerOptions, cli, defineAgent } from "@livekit/agents";
import { agentConfigFromEnv } from "./config.ts";
import { roomServiceFor } from "./livekit-hangup.ts";
import { JobMetrics } from "./job-metrics.ts";
import { JOB_METRICS_ENV, JOB_PUSH_INTERVAL_MS, JOB_SILENT_AFTER_MS, startJobMetricsReceiver, withJobMetricsPushed } from "./job-metrics-push.ts";
import { metricsPortFromEnv, startMetricsServer } from "./metrics.ts";
import { runLiveKitCall } from "./livekit-job.ts";
import { sipServiceFor } from "./livekit-transfer.ts";
import { speechConfigFromEnv } from "./providers/index.ts";
import { SileroModel } from "./providers/silero.ts";
import { warmUpSpeech } from "./warm-up.ts";

export const AGENT_NAME = process.env.AGENT_NAME ?? "phonemybot";

export default defineAgent({
  prewarm: async (proc: JobProcess) => {
    proc.userData.silero = await SileroModel.load();
    // The job process carries one call: its first reply would otherwise run code this process never ran.
    await warmUpSpeech();
  },
  // This runs in a job process of the framework's: its call metrics go to the worker's process, which serves them.
  entry: (ctx: JobContext) =>
    withJobMetricsPushed(async () => {
      await ctx.connect();
      const agent = agentConfigFromEnv();
      await runLiveKitCall(ctx, {
        roomService: roomServiceFor(ctx.info),
        sipService: sipServiceFor(ctx.info),
        call: {
          gatewayUrl: agent.gatewayUrl,
          agentSecret: agent.agentSecret,
          room: ctx.room,
          vad: (ctx.proc.userData.silero as SileroModel).forCall(),
          speech: speechConfigFromEnv(),
          noReplyTimeoutMs: agent.noReplyTimeoutMs,
        },
      });
    }),
});

/**
 * The worker's own process (not a job's) serves the metrics, when AGENT_METRICS_PORT is set, with those its job
 * processes push: they learn where from the environment they inherit when the framework forks them.
 */
async function serveMetrics(): Promise<void> {
  const port = metricsPortFromEnv();
  if (port === undefined) return;
  const jobs = new JobMetrics(JOB_SILENT_AFTER_MS);
  process.env[JOB_METRICS_ENV] = (await startJobMetricsReceiver(jobs, JOB_PUSH_INTERVAL_MS)).env;
  await startMetricsServer(port, process.env.AGENT_METRICS_HOST, jobs);
}

/** The worker: its job processes inherit its environment, so they share their AsyncLocalStorages as it does. */
async function runWorker(): Promise<void> {
  await serveMetrics();
  process.env.NODE_OPTIONS = nodeOptionsSharingAsyncStorage(process.env.NODE_OPTIONS);
  cli.runApp(new ServerOptions({ agent: fileURLToPath(import.meta.url), agentName: AGENT_NAME }));
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry || (process.env.LIVEKIT_URL && process.argv[1]?.endsWith("index.ts"))) await runWorker();

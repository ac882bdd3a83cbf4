/**
 * `npm run agent`: the voice agent. With LIVEKIT_URL set it runs the LiveKit worker (agent/main.ts); otherwise the
 * local transport (agent/local-server.ts) on AGENT_PORT (default 8788), or on the listening socket `npm start`
 * hands it (agent/inherited-listener.ts), talking to the gateway at GATEWAY_URL.
 */
import "./share-async-storage.ts";
import { initializeLogger } from "@livekit/agents";
import { announce } from "./announce.ts";
import { agentConfigFromEnv } from "./config.ts";
import { inheritedListenerFd } from "./inherited-listener.ts";
import { startLocalServer } from "./local-server.ts";
import { metricsPortFromEnv, startMetricsServer } from "./metrics.ts";
import { speechConfigFromEnv } from "./providers/index.ts";
import { SileroModel } from "./providers/silero.ts";
import { warmUpSpeech } from "./warm-up.ts";

if (process.env.LIVEKIT_URL) {
  await import("./main.ts");
} else {
  initializeLogger({ pretty: false, level: process.env.AGENT_LOG_LEVEL ?? "info" });
  const listenFd = inheritedListenerFd();
  const agent = agentConfigFromEnv();
  const speech = speechConfigFromEnv();
  const silero = await SileroModel.load();
  await warmUpSpeech();
  const local = await startLocalServer({
    port: Number(process.env.AGENT_PORT ?? 8788),
    host: process.env.AGENT_HOST ?? "127.0.0.1",
    listenFd,
    agent,
    speech,
    vadForCall: () => silero.forCall(),
  });
  const providers = `${speech.deepgramApiKey ? "Deepgram" : "pocketsphinx (offline)"} + ${speech.openaiApiKey ? "OpenAI" : "espeak-ng (offline)"}`;
  // The gateway's origin only: a URL's user info would be a credential.
  const gateway = new URL(agent.gatewayUrl).origin;
  announce(`voice agent (local transport) at ${local.url} — gateway ${gateway}, speech: ${providers}`, { url: local.url, gateway });
  const metricsPort = metricsPortFromEnv();
  const metrics = metricsPort === undefined ? undefined : await startMetricsServer(metricsPort, process.env.AGENT_METRICS_HOST);
  if (metrics) announce(`agent metrics at ${metrics.url}`, { url: metrics.url });
  const stop = async () => {
    await metrics?.close();
    await local.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

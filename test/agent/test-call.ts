import type { VAD } from "@livekit/agents";
import { type CallEvent, CallSession } from "../../agent/call.ts";
import { PacedAudioOutput, PushAudioInput } from "../../agent/paced-output.ts";
import type { SpeechConfig } from "../../agent/providers/index.ts";
import { DEFAULT_SETTINGS_VIEW, type ServiceSettingsView } from "../../protocol/service-settings.ts";
import type { startFakeGateway } from "./fake-gateway.ts";
import { Caller, RecordingSink, waitFor } from "./helpers.ts";

/**
 * A call as the local transport runs it (a pushed input, a paced output into a recording sink), started against the
 * stand-in gateway (secret "agent-secret"), which answers with the service's `settings`; resolves once the call is
 * ready. `stop` hangs it up.
 */
export async function startTestCall(options: {
  gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  vad: VAD;
  speech: SpeechConfig;
  settings?: Partial<ServiceSettingsView>;
  noReplyTimeoutMs?: number;
  usageIntervalMs?: number;
}) {
  const { gateway } = options;
  const input = new PushAudioInput();
  const sink = new RecordingSink();
  const output = new PacedAudioOutput(sink, 24_000);
  const events: CallEvent[] = [];
  const call = new CallSession({
    gatewayUrl: gateway.url,
    agentSecret: "agent-secret",
    start: { from: "+442071838750", serviceId: "svc_1", transport: "local" },
    input,
    output,
    vad: options.vad,
    speech: options.speech,
    noReplyTimeoutMs: options.noReplyTimeoutMs,
    ...(options.usageIntervalMs !== undefined ? { usageIntervalMs: options.usageIntervalMs } : {}),
    hangUp: () => undefined,
    onEvent: (e) => events.push(e),
  });
  const caller = new Caller(input, 16_000);
  const stop = async () => {
    caller.stop();
    await call.callerHangsUp();
  };
  await waitFor(() => gateway.received.some((r) => r.conversation === call.conversation && r.message.type === "start"), 5000, "start");
  const settings = { ...DEFAULT_SETTINGS_VIEW, ...options.settings };
  gateway.send(call.conversation, { type: "started", conversation: call.conversation, serviceId: "svc_1", language: "en-US", testMode: false, settings });
  await call.ready;
  return { call, caller, output, sink, events, stop };
}

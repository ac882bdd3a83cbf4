import * as silero from "@livekit/agents-plugin-silero";
import { startFakeDeepgram } from "./fake-deepgram.ts";
import { startFakeGateway } from "./fake-gateway.ts";
import { startFakeOpenAI } from "./fake-openai.ts";
import { initLogger } from "./helpers.ts";

/** What a CallSession test runs against: Silero's VAD, and loopback fakes of Deepgram, OpenAI and the gateway. */
export async function startCallFakes() {
  initLogger();
  const vad = await silero.VAD.load();
  const deepgram = await startFakeDeepgram([]);
  const openai = await startFakeOpenAI({ chunkDelayMs: 5 });
  const gateway = await startFakeGateway("agent-secret");
  return {
    vad,
    deepgram,
    openai,
    gateway,
    close: async () => {
      await Promise.all([deepgram.close(), openai.close(), gateway.close()]);
    },
  };
}
export type CallFakes = Awaited<ReturnType<typeof startCallFakes>>;

import { EventEmitter } from "node:events";
import type { VAD } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallEvent } from "../../agent/call.ts";
import { type CallJob, type CallerParticipant, runLiveKitCall } from "../../agent/livekit-job.ts";
import { PacedAudioOutput, PushAudioInput } from "../../agent/paced-output.ts";
import type { AgentToGateway } from "../../protocol/bridge.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { startFakeGateway } from "../agent/fake-gateway.ts";
import { startFakeOpenAI } from "../agent/fake-openai.ts";
import { RecordingSink, initLogger, waitFor } from "../agent/helpers.ts";

/**
 * The LiveKit job's glue (agent/livekit-job.ts) without a LiveKit server: a stand-in room (an EventEmitter emitting
 * @livekit/rtc-node's event names) and job context, the real CallSession with fake Deepgram and OpenAI, and a
 * stand-in gateway socket. The room's audio path is not exercised: the call's audio goes through a pushed input
 * and a paced output instead.
 */
let vad: VAD;
let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let gateway: Awaited<ReturnType<typeof startFakeGateway>>;

beforeAll(async () => {
  initLogger();
  vad = await silero.VAD.load();
  deepgram = await startFakeDeepgram([]);
  openai = await startFakeOpenAI({ chunkDelayMs: 5 });
  gateway = await startFakeGateway("agent-secret");
});
afterAll(async () => {
  await Promise.all([deepgram.close(), openai.close(), gateway.close()]);
});

/** @livekit/rtc-node's Room as far as the call uses it: a name and the events it emits. */
class StandInRoom extends EventEmitter {
  constructor(readonly name: string) {
    super();
  }
}

let callers = 0;

/** A SIP call in a stand-in room, run through `runLiveKitCall` up to `started`. */
async function newCall(opts: { testMode?: boolean; deepgramUrl?: string } = {}) {
  const number = `+1415555${String(++callers).padStart(4, "0")}`;
  const room = new StandInRoom(`call-${number}_${Math.random().toString(36).slice(2, 12)}`);
  const caller: CallerParticipant = { identity: `sip_${number}`, attributes: { "sip.phoneNumber": number, "sip.trunkPhoneNumber": "+14155550100" } };
  const shutdowns: string[] = [];
  const shutdownCallbacks: (() => Promise<void>)[] = [];
  const job: CallJob = {
    room,
    job: { metadata: JSON.stringify({ serviceId: "svc_1" }) },
    waitForParticipant: async () => caller,
    shutdown: (reason = "") => void shutdowns.push(reason),
    addShutdownCallback: (callback) => void shutdownCallbacks.push(callback),
  };
  const events: CallEvent[] = [];
  const ended = runLiveKitCall(job, {
    call: {
      gatewayUrl: gateway.url,
      agentSecret: "agent-secret",
      input: new PushAudioInput(),
      output: new PacedAudioOutput(new RecordingSink(), 24_000),
      vad,
      speech: { deepgramApiKey: "dg", deepgramUrl: opts.deepgramUrl ?? deepgram.url, openaiApiKey: "sk", openaiBaseUrl: openai.baseURL },
      usageIntervalMs: 60_000,
      onEvent: (event) => events.push(event),
    },
  });
  const { conversation, message: start } = await waitFor(
    () => gateway.received.find((r) => r.message.type === "start" && r.message.from === number),
    5000,
    "start",
  );
  gateway.send(conversation, { type: "started", conversation, serviceId: "svc_1", language: "en-US", testMode: opts.testMode ?? false });
  await waitFor(() => events.some((e) => e.type === "started"), 5000, "the call started");
  const sent = (type: AgentToGateway["type"]) => gateway.received.filter((r) => r.conversation === conversation && r.message.type === type).map((r) => r.message);
  return { room, caller, number, conversation, start, ended, sent, shutdowns, shutdownCallbacks, events };
}

describe("LiveKit job glue (stand-in room)", () => {
  it("keys from the SIP caller reach the call as dtmf; keys from another participant do not", async () => {
    const c = await newCall();
    c.room.emit("dtmfReceived", 9, "9", { identity: "observer" });
    c.room.emit("dtmfReceived", 5, "5", c.caller);
    await waitFor(() => c.sent("dtmf").length > 0, 3000, "dtmf at the gateway");
    // The observer's key was emitted first: had it been forwarded, it would have reached the gateway first.
    expect(c.sent("dtmf")).toEqual([{ type: "dtmf", digits: "5" }]);
    c.room.emit("participantDisconnected", c.caller);
    await c.ended;
  });

  it("the caller leaving ends the call, the gateway gets the hang-up, and the job shuts down", async () => {
    const c = await newCall();
    c.room.emit("participantDisconnected", { identity: "observer" });
    await new Promise((r) => setTimeout(r, 200));
    expect(c.sent("hangup")).toEqual([]);
    c.room.emit("participantDisconnected", c.caller);
    expect(await c.ended).toBe("caller_hangup");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup" }]);
    expect(c.shutdowns).toEqual(["caller_hangup"]);
    // The call no longer listens to the room.
    expect(c.room.listenerCount("dtmfReceived") + c.room.listenerCount("participantDisconnected")).toBe(0);
  });

  it("a job shut down from outside (worker draining, room gone) ends the call as the caller's hang-up", async () => {
    const c = await newCall();
    expect(c.shutdownCallbacks).toHaveLength(1);
    await c.shutdownCallbacks[0]!();
    expect(await c.ended).toBe("caller_hangup");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup" }]);
  });
});

import { DEFAULT_SETTINGS_VIEW } from "../../protocol/service-settings.ts";
import { EventEmitter } from "node:events";
import type { VAD } from "@livekit/agents";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CallEvent } from "../../agent/call.ts";
import { roomServiceFor } from "../../agent/livekit-hangup.ts";
import { sipServiceFor } from "../../agent/livekit-transfer.ts";
import { type CallJob, type CallerParticipant, runLiveKitCall } from "../../agent/livekit-job.ts";
import { PacedAudioOutput, PushAudioInput } from "../../agent/paced-output.ts";
import type { AgentToGateway } from "../../protocol/bridge.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { RecordingSink, waitFor } from "../agent/helpers.ts";
import { type FakeLiveKit, startFakeLiveKit } from "../support/fake-livekit.ts";
import { type CallFakes, startCallFakes } from "../agent/call-fakes.ts";

/**
 * The LiveKit job's glue (agent/livekit-job.ts) without a LiveKit server: a stand-in room (an EventEmitter emitting
 * @livekit/rtc-node's event names) and job context, the real CallSession with fake Deepgram and OpenAI, a stand-in
 * gateway socket, and the real livekit-server-sdk RoomServiceClient against the fake LiveKit Twirp server. The
 * room's audio path is not exercised: the call's audio goes through a pushed input and a paced output instead.
 */
let vad: VAD;
let deepgram: CallFakes["deepgram"];
let openai: CallFakes["openai"];
let gateway: CallFakes["gateway"];
let fakes: CallFakes;
let liveKit: FakeLiveKit;

beforeAll(async () => {
  fakes = await startCallFakes();
  ({ vad, deepgram, openai, gateway } = fakes);
  liveKit = await startFakeLiveKit();
});
afterAll(async () => {
  await Promise.all([fakes.close(), liveKit.close()]);
});

/** Calls a test left running end as the caller hanging up. */
const running: { room: StandInRoom; caller: CallerParticipant; ended: Promise<string> }[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) {
    c.room.emit("participantDisconnected", c.caller);
    await c.ended;
  }
});

/** The DeleteRoom requests the fake LiveKit received for `room`. */
const deletions = (room: string) => liveKit.requests.filter((r) => r.service === "RoomService" && r.method === "DeleteRoom" && r.body.room === room);

/** @livekit/rtc-node's Room as far as the call uses it: a name and the events it emits. */
class StandInRoom extends EventEmitter {
  constructor(readonly name: string) {
    super();
  }
}

let callers = 0;

/**
 * A call in a stand-in room, run through `runLiveKitCall` up to `started`: a SIP caller from a number of its own in a
 * room named as the Worker's dispatch rule names them, or (`browser`) a browser participant in a room named by a UUID.
 */
async function newCall(
  opts: { testMode?: boolean; deepgramUrl?: string; browser?: boolean; number?: string; roomName?: string; transferFailedMessage?: string } = {},
) {
  const number = opts.number ?? `+1415555${String(++callers).padStart(4, "0")}`;
  const room = new StandInRoom(opts.roomName ?? (opts.browser ? crypto.randomUUID() : `call-${number}_${Math.random().toString(36).slice(2, 12)}`));
  const caller: CallerParticipant = opts.browser
    ? { identity: `browser-${crypto.randomUUID()}`, attributes: {} }
    : { identity: `sip_${number}`, attributes: { "sip.phoneNumber": number, "sip.trunkPhoneNumber": "+14155550100" } };
  const from = opts.browser ? caller.identity : number;
  liveKit.rooms.add(room.name);
  /** Each shutdown of the job, with whether the room had been deleted by then. */
  const shutdowns: { reason: string; roomGone: boolean }[] = [];
  const shutdownCallbacks: (() => Promise<void>)[] = [];
  const job: CallJob = {
    room,
    job: { metadata: JSON.stringify({ serviceId: "svc_1" }) },
    waitForParticipant: async () => caller,
    shutdown: (reason = "") => void shutdowns.push({ reason, roomGone: !liveKit.rooms.has(room.name) }),
    addShutdownCallback: (callback) => void shutdownCallbacks.push(callback),
  };
  const events: CallEvent[] = [];
  const earlier = gateway.received.length;
  const ended = runLiveKitCall(job, {
    // The agent's LIVEKIT_URL is the WebSocket one; the server API is reached at its http form.
    roomService: roomServiceFor({ url: liveKit.url.replace(/^http/, "ws"), apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret }),
    sipService: sipServiceFor({ url: liveKit.url.replace(/^http/, "ws"), apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret }),
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
  running.push({ room, caller, ended });
  const { conversation, message: start } = await waitFor(
    () => gateway.received.slice(earlier).find((r) => r.message.type === "start" && r.message.from === from),
    5000,
    "start",
  );
  gateway.send(conversation, { type: "started", conversation, serviceId: "svc_1", language: "en-US", testMode: opts.testMode ?? false, settings: { ...DEFAULT_SETTINGS_VIEW, transferFailedMessage: opts.transferFailedMessage ?? "" } });
  await waitFor(() => events.some((e) => e.type === "started"), 5000, "the call started");
  const sent = (type: AgentToGateway["type"]) => gateway.received.filter((r) => r.conversation === conversation && r.message.type === type).map((r) => r.message);
  return { room, caller, conversation, start, ended, sent, shutdowns, shutdownCallbacks, events };
}

describe("LiveKit job glue: a call the bot started (agent/livekit-outbound.ts)", () => {
  it("waits for the callee to answer (sip.callStatus active), then joins the bot's call under its id as the callee's side", async () => {
    const room = new StandInRoom("outbound-bot-call-7");
    liveKit.rooms.add(room.name);
    const callee: CallerParticipant = { identity: "callee-bot-call-7", attributes: { "sip.phoneNumber": "+33142685300", "sip.callStatus": "ringing" } };
    const metadata = JSON.stringify({ serviceId: "svc_1", conversation: "bot-call-7", outbound: true, from: "+14155550100", to: "+33142685300" });
    const job: CallJob = { room, job: { metadata }, waitForParticipant: async () => callee, shutdown: () => undefined, addShutdownCallback: () => undefined };
    const ended = runLiveKitCall(job, {
      roomService: roomServiceFor({ url: liveKit.url.replace(/^http/, "ws"), apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret }),
      sipService: sipServiceFor({ url: liveKit.url.replace(/^http/, "ws"), apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret }),
      call: {
        gatewayUrl: gateway.url,
        agentSecret: "agent-secret",
        input: new PushAudioInput(),
        output: new PacedAudioOutput(new RecordingSink(), 24_000),
        vad,
        speech: { deepgramApiKey: "dg", deepgramUrl: deepgram.url, openaiApiKey: "sk", openaiBaseUrl: openai.baseURL },
        usageIntervalMs: 60_000,
      },
    });
    running.push({ room, caller: callee, ended });
    const starts = () => gateway.received.filter((r) => r.conversation === "bot-call-7" && r.message.type === "start");
    // Ringing: another participant's answer, or the callee's other attributes, do not start the call.
    room.emit("participantAttributesChanged", { "sip.callStatus": "active" }, { identity: "someone-else", attributes: { "sip.callStatus": "active" } });
    room.emit("participantAttributesChanged", { foo: "bar" }, { ...callee, attributes: { ...callee.attributes, foo: "bar" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(starts()).toEqual([]);
    room.emit("participantAttributesChanged", { "sip.callStatus": "active" }, { ...callee, attributes: { ...callee.attributes, "sip.callStatus": "active" } });
    const [start] = await waitFor(() => starts().length > 0 && starts(), 5000, "start");
    expect(start!.message).toEqual({ type: "start", from: "+33142685300", serviceId: "svc_1", transport: "sip", outbound: true, room: "outbound-bot-call-7" });
    expect(room.listenerCount("participantAttributesChanged")).toBe(0);
  });
});

describe("LiveKit job glue (stand-in room)", () => {
  it("keys from the SIP caller reach the call as dtmf; keys from another participant do not", async () => {
    const c = await newCall();
    c.room.emit("dtmfReceived", 9, "9", { identity: "observer" });
    c.room.emit("dtmfReceived", 5, "5", c.caller);
    await waitFor(() => c.sent("dtmf").length > 0, 3000, "dtmf at the gateway");
    // The observer's key was emitted first: had it been forwarded, it would have reached the gateway first.
    expect(c.sent("dtmf")).toEqual([{ type: "dtmf", digits: "5" }]);
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
    // The room is deleted too (nobody else stays in a call that is over), then the job shuts down.
    expect(deletions(c.room.name)).toHaveLength(1);
    expect(c.shutdowns).toEqual([{ reason: "caller_hangup", roomGone: true }]);
    // The call no longer listens to the room.
    expect(c.room.listenerCount("dtmfReceived") + c.room.listenerCount("participantDisconnected")).toBe(0);
  });

  it("a job shut down from outside (the worker draining) ends the call as the caller's hang-up", async () => {
    const c = await newCall();
    expect(c.shutdownCallbacks).toHaveLength(1);
    await c.shutdownCallbacks[0]!();
    // The callback returns once the room is deleted: the job's process may exit right after.
    expect(liveKit.rooms.has(c.room.name)).toBe(false);
    expect(await c.ended).toBe("caller_hangup");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup" }]);
  });
});

describe("LiveKit calls end for the caller: the room is deleted through LiveKit's server API", () => {
  it("the bot's `last`: spoken, then the room deleted with a signed roomCreate token, then the job shut down", async () => {
    const c = await newCall();
    gateway.send(c.conversation, { type: "say", id: 1, body: "Goodbye.", last: true });
    expect(await c.ended).toBe("bot_ended");
    expect(c.sent("finished")).toHaveLength(1);
    const [deletion] = deletions(c.room.name);
    expect(deletion).toBeDefined();
    expect(deletion!.claims.iss).toBe(liveKit.apiKey);
    expect(deletion!.claims.video?.roomCreate).toBe(true);
    expect(liveKit.rooms.has(c.room.name)).toBe(false);
    expect(c.shutdowns).toEqual([{ reason: "bot_ended", roomGone: true }]);
  });

  it("the gateway ending the call (max_duration)", async () => {
    const c = await newCall();
    gateway.send(c.conversation, { type: "ended", reason: "max_duration" });
    expect(await c.ended).toBe("max_duration");
    expect(deletions(c.room.name)).toHaveLength(1);
    expect(c.shutdowns).toEqual([{ reason: "max_duration", roomGone: true }]);
  });

  it("three wrong test PINs keyed on the phone (pin_failed)", async () => {
    const c = await newCall({ testMode: true });
    for (const [attempt, attemptsLeft] of [[1, 2], [2, 1], [3, 0]] as const) {
      for (const digit of "1234") c.room.emit("dtmfReceived", 0, digit, c.caller);
      await waitFor(() => c.sent("pin").length === attempt, 3000, `PIN ${attempt}`);
      gateway.send(c.conversation, { type: "pin_result", ok: false, attemptsLeft });
      // Keys count again once the call has heard the answer and asks again.
      if (attemptsLeft > 0) await waitFor(() => c.events.filter((e) => e.type === "bot" && e.text.includes("not right")).length === attempt, 3000, "asked again");
    }
    expect(await c.ended).toBe("pin_failed");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup", reason: "pin_failed" }]);
    expect(deletions(c.room.name)).toHaveLength(1);
    expect(c.shutdowns).toEqual([{ reason: "pin_failed", roomGone: true }]);
  });

  it("speech recognition gone for good (speech_failed)", async () => {
    const doomed = await startFakeDeepgram([]);
    const c = await newCall({ deepgramUrl: doomed.url });
    await waitFor(() => doomed.connections.length === 1, 5000, "connected");
    await doomed.close();
    // Reconnection attempts wait 0, 0.25, 1, 2 and 4 s; then the session fails and the call ends.
    expect(await c.ended).toBe("speech_failed");
    await waitFor(() => c.sent("hangup").length > 0, 3000, "the hang-up at the gateway");
    expect(c.sent("hangup")).toEqual([{ type: "hangup", reason: "speech_failed" }]);
    expect(deletions(c.room.name)).toHaveLength(1);
    expect(c.shutdowns).toEqual([{ reason: "speech_failed", roomGone: true }]);
  }, 30_000);

  it("LiveKit failing once (500) is tried again; the room is deleted", async () => {
    const c = await newCall();
    liveKit.failNext("DeleteRoom", 1, 500);
    gateway.send(c.conversation, { type: "ended", reason: "idle" });
    expect(await c.ended).toBe("idle");
    expect(deletions(c.room.name)).toHaveLength(2);
    expect(c.shutdowns).toEqual([{ reason: "idle", roomGone: true }]);
  });

  it("LiveKit failing for good: tried three times, then the job shuts down anyway; a room already gone is no failure", async () => {
    const c = await newCall();
    liveKit.failNext("DeleteRoom", 10, 503);
    gateway.send(c.conversation, { type: "ended", reason: "idle" });
    expect(await c.ended).toBe("idle");
    expect(deletions(c.room.name)).toHaveLength(3); // the first try and two more
    expect(c.shutdowns).toEqual([{ reason: "idle", roomGone: false }]);
    liveKit.failNext("DeleteRoom", 0); // the failures left over are not for the next call

    const gone = await newCall();
    liveKit.rooms.delete(gone.room.name);
    gone.room.emit("participantDisconnected", gone.caller);
    expect(await gone.ended).toBe("caller_hangup");
    expect(deletions(gone.room.name)).toHaveLength(1); // 404: not tried again
    expect(gone.shutdowns).toEqual([{ reason: "caller_hangup", roomGone: true }]);
  });
});

describe("conversation ids of LiveKit calls", () => {
  it("are random, never the caller's number; the room's name goes in `start`", async () => {
    const number = "+14155552671";
    const c = await newCall({ number, roomName: "call-+14155552671_abc" });
    expect(c.start).toEqual({ type: "start", from: number, to: "+14155550100", transport: "sip", room: "call-+14155552671_abc" });
    expect(c.conversation).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // No run of six of the number's digits (a UUID has hex digits, so single digits may well appear by chance).
    for (let i = 0; i + 6 <= "14155552671".length; i += 1) expect(c.conversation.replaceAll("-", "")).not.toContain("14155552671".slice(i, i + 6));
    c.room.emit("participantDisconnected", c.caller);
    await c.ended;
    // The same room name again (LiveKit may reuse one once it is gone): another id.
    const again = await newCall({ number, roomName: "call-+14155552671_abc" });
    expect(again.conversation).not.toBe(c.conversation);
  });

  it("a browser call names its service from the job metadata and sends its room too", async () => {
    const c = await newCall({ browser: true });
    expect(c.start).toEqual({ type: "start", from: c.caller.identity, serviceId: "svc_1", transport: "browser", room: c.room.name });
    expect(c.conversation).not.toBe(c.room.name);
  });
});

describe("transfers on LiveKit: TransferSIPParticipant (SIP REFER) through LiveKit's server API", () => {
  const transferRequests = (room: string) =>
    liveKit.requests.filter((r) => r.service === "SIP" && r.method === "TransferSIPParticipant" && r.body.roomName === room);
  const FAILED = "Sorry, nobody can take your call right now.";

  it("success: the body is spoken, the caller is transferred with dial tone and the ringing timeout, the call ends as transferred", async () => {
    const c = await newCall({ transferFailedMessage: FAILED });
    gateway.send(c.conversation, {
      type: "say",
      id: 1,
      body: `Putting you through. <transfer referto="+14155550199" timeoutms="20000"/>`,
      last: false,
      transfer: { to: "+14155550199", timeoutMs: 20_000, waitMs: 0, allowed: true },
    });
    expect(await c.ended).toBe("transferred");
    const [request] = transferRequests(c.room.name);
    expect(request!.body).toMatchObject({
      roomName: c.room.name,
      participantIdentity: c.caller.identity,
      transferTo: "tel:+14155550199",
      playDialtone: true,
      ringingTimeout: "20s",
    });
    // The token the SDK signed for it: the SIP call grant and roomAdmin on this room (the fake refuses anything less).
    expect(request!.claims.sip?.call).toBe(true);
    expect(request!.claims.video).toMatchObject({ roomAdmin: true, room: c.room.name });
    expect(liveKit.transfers.filter((t) => t.roomName === c.room.name)).toHaveLength(1);
    expect(c.sent("transfer_result")).toEqual([{ type: "transfer_result", to: "+14155550199", result: "transferred" }]);
    // The body was said first (its tag never), then the transfer; the room is deleted and the job shut down.
    const said = c.events.findIndex((e) => e.type === "bot" && e.text === "Putting you through.");
    const transferred = c.events.findIndex((e) => e.type === "transfer" && e.result === "transferred");
    expect(said).toBeGreaterThanOrEqual(0);
    expect(transferred).toBeGreaterThan(said);
    expect(c.events.some((e) => e.type === "bot" && e.text === FAILED)).toBe(false);
    expect(deletions(c.room.name)).toHaveLength(1);
    expect(c.shutdowns).toEqual([{ reason: "transferred", roomGone: true }]);
  });

  it("486 Busy: the call stays up, the gateway gets transfer_failed's status, the caller hears the failure sentence", async () => {
    const c = await newCall({ transferFailedMessage: FAILED });
    gateway.send(c.conversation, {
      type: "say",
      id: 1,
      body: "One moment.",
      last: false,
      transfer: { to: "+14155550486", waitMs: 0, allowed: true },
    });
    await waitFor(() => c.sent("transfer_result").length > 0, 10_000, "the transfer's outcome");
    expect(c.sent("transfer_result")).toEqual([{ type: "transfer_result", to: "+14155550486", result: "busy", sipStatus: 486 }]);
    expect(transferRequests(c.room.name)).toHaveLength(1);
    expect(liveKit.transfers.filter((t) => t.roomName === c.room.name)).toEqual([]);
    await waitFor(() => c.events.some((e) => e.type === "bot" && e.text === FAILED), 5000, "the failure sentence");
    // Still on the call: nothing deleted, no hang-up; the bot can go on talking.
    expect(deletions(c.room.name)).toHaveLength(0);
    expect(c.shutdowns).toEqual([]);
    gateway.send(c.conversation, { type: "say", id: 2, body: "Can I help otherwise?", last: false });
    await waitFor(() => c.events.some((e) => e.type === "bot" && e.text === "Can I help otherwise?"), 5000, "the next message");
  });

  it("a destination the service does not allow: no request to LiveKit, only the failure sentence", async () => {
    const c = await newCall({ transferFailedMessage: FAILED });
    gateway.send(c.conversation, { type: "say", id: 1, body: "Transferring.", last: false, transfer: { to: "+449999", waitMs: 0, allowed: false } });
    await waitFor(() => c.events.some((e) => e.type === "bot" && e.text === FAILED), 5000, "the failure sentence");
    expect(transferRequests(c.room.name)).toEqual([]);
    expect(c.sent("transfer_result")).toEqual([]);
  });

  it("a rule's wait: the transfer goes out that long after the sentence", async () => {
    const c = await newCall();
    const sentAt = Date.now();
    gateway.send(c.conversation, { type: "say", id: 1, body: "Hold on.", last: false, transfer: { to: "+14155550199", waitMs: 1500, allowed: true } });
    expect(await c.ended).toBe("transferred");
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
    expect(transferRequests(c.room.name)).toHaveLength(1);
  });
});

import { DEFAULT_SETTINGS_VIEW } from "../../protocol/service-settings.ts";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer } from "../../agent/local-server.ts";
import { SileroModel } from "../../agent/providers/silero.ts";
import { issueLocalCallTicket } from "../../protocol/local-call-ticket.ts";
import { startFakeGateway } from "../agent/fake-gateway.ts";
import { initLogger, waitFor } from "../agent/helpers.ts";
import { LocalCaller, mintTicket } from "../agent/local-caller.ts";

// The local agent's call socket is not an open door: only a ticket from the gateway (signed with the shared secret,
// unexpired, unused, from the ticket's origin if from a web page) places a call, and as the ticket says.

const SECRET = "local-server-secret";
const PORTAL = "http://127.0.0.1:8787";
let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let local: Awaited<ReturnType<typeof startLocalServer>>;

beforeAll(async () => {
  initLogger();
  const silero = await SileroModel.load();
  gateway = await startFakeGateway(SECRET);
  local = await startLocalServer({
    agent: { gatewayUrl: gateway.url, agentSecret: SECRET, noReplyTimeoutMs: 60_000 },
    speech: {},
    vadForCall: () => silero.forCall(),
  });
});
afterAll(async () => {
  await local?.close();
  await gateway?.close();
});

const starts = () => gateway.of("start");

/** Opens the call socket with `ticket` (and a browser's `origin`); how it was closed, and whether a call began. */
async function refused(ticket: string, origin?: string) {
  const before = starts().length;
  const caller = new LocalCaller(local.url, ticket, { origin });
  const closed = await caller.closed;
  // Nothing reached the gateway: no call was started.
  await new Promise((r) => setTimeout(r, 100));
  expect(starts().length).toBe(before);
  expect(caller.events).toEqual([]);
  return closed;
}

/** The socket was accepted and a call started at the gateway; hangs it up. */
async function accepted(caller: LocalCaller, before: number) {
  await caller.opened;
  await waitFor(() => starts().length > before, 5000, "the call's start at the gateway");
  caller.ws.close();
  await caller.closed;
  await waitFor(() => local.calls.size === 0, 5000, "the call over in the agent");
  return starts()[before];
}

describe("local transport: who may place a call", () => {
  it("places the call the ticket grants, whatever the query says", async () => {
    const before = starts().length;
    const { ticket } = await issueLocalCallTicket(SECRET, { serviceId: "svc_granted", from: "browser-acc_1", origin: PORTAL });
    const url = new URL("/calls", local.url.replace("http", "ws"));
    url.search = new URLSearchParams({ ticket, serviceId: "svc_other", from: "+15550000000", to: "+15551111111" }).toString();
    const ws = new WebSocket(url, { origin: PORTAL });
    await new Promise((resolve) => ws.once("open", resolve));
    await waitFor(() => starts().length > before, 5000, "start");
    expect(starts()[before]).toEqual({ type: "start", serviceId: "svc_granted", from: "browser-acc_1", transport: "local" });
    ws.close();
    await waitFor(() => local.calls.size === 0, 5000, "the call over in the agent");
  });

  it("lets a client that sends no Origin (not a web page) call with a ticket", async () => {
    const start = await accepted(new LocalCaller(local.url, await mintTicket(SECRET, { serviceId: "svc_1", from: "+442071838750", origin: PORTAL })), starts().length);
    expect(start).toMatchObject({ serviceId: "svc_1", from: "+442071838750" });
  });

  it("closes a socket without a ticket, or with a bad, forged or expired one (1008 and the reason)", async () => {
    const url = new URL("/calls?serviceId=svc_1&from=browser", local.url.replace("http", "ws"));
    const noTicket = new WebSocket(url);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => noTicket.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
    expect(closed).toEqual({ code: 1008, reason: "bad ticket" });
    expect(await refused("not-a-ticket")).toEqual({ code: 1008, reason: "bad ticket" });
    expect(await refused(await mintTicket("another-secret", { serviceId: "svc_1", from: "x" }))).toEqual({ code: 1008, reason: "bad ticket" });
    const good = await mintTicket(SECRET, { serviceId: "svc_1", from: "x" });
    const [payload, mac] = good.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), serviceId: "svc_2" })).toString("base64url");
    expect(await refused(`${otherPayload}.${mac}`)).toEqual({ code: 1008, reason: "bad ticket" });
    const old = await issueLocalCallTicket(SECRET, { serviceId: "svc_1", from: "x" }, Date.now() - 121_000);
    expect(await refused(old.ticket)).toEqual({ code: 1008, reason: "ticket expired" });
  });

  it("takes a ticket once", async () => {
    const ticket = await mintTicket(SECRET, { serviceId: "svc_1", from: "x", origin: PORTAL });
    await accepted(new LocalCaller(local.url, ticket, { origin: PORTAL }), starts().length);
    expect(await refused(ticket, PORTAL)).toEqual({ code: 1008, reason: "ticket already used" });
    expect(await refused(ticket)).toEqual({ code: 1008, reason: "ticket already used" });
  });

  it("closes a web page on another origin than the ticket's, and the ticket still works from the right one", async () => {
    const ticket = await mintTicket(SECRET, { serviceId: "svc_1", from: "x", origin: PORTAL });
    expect(await refused(ticket, "http://evil.example")).toEqual({ code: 1008, reason: "origin not allowed" });
    expect(await refused(ticket, "http://127.0.0.1:8788")).toEqual({ code: 1008, reason: "origin not allowed" });
    await accepted(new LocalCaller(local.url, ticket, { origin: PORTAL }), starts().length);
  });

  it("tells the caller at the start when the offline recognizer does not know the service's language", async () => {
    for (const [language, understood] of [["fr-FR", false], ["en-GB", true]] as const) {
      const before = starts().length;
      const caller = new LocalCaller(local.url, await mintTicket(SECRET, { serviceId: "svc_1", from: "x" }));
      await waitFor(() => starts().length > before, 5000, "start");
      const { conversation } = gateway.received.filter((r) => r.message.type === "start")[before]!;
      gateway.send(conversation, { type: "started", conversation, serviceId: "svc_1", language, testMode: false, settings: DEFAULT_SETTINGS_VIEW });
      const started = await waitFor(() => caller.event("started"), 10_000, "started");
      expect(started).toMatchObject({ language, stt: "pocketsphinx", sttUnderstandsLanguage: understood });
      caller.hangUp();
      await caller.closed;
      await waitFor(() => local.calls.size === 0, 5000, "the call over in the agent");
    }
  });

  it("sends the bot's <dtmf digits> to the caller in order after the text before them, then <hangup/> ends the call", async () => {
    const before = starts().length;
    const caller = new LocalCaller(local.url, await mintTicket(SECRET, { serviceId: "svc_1", from: "x" }));
    await waitFor(() => starts().length > before, 5000, "start");
    const { conversation } = gateway.received.filter((r) => r.message.type === "start")[before]!;
    gateway.send(conversation, { type: "started", conversation, serviceId: "svc_1", language: "en-US", testMode: false, settings: DEFAULT_SETTINGS_VIEW });
    await waitFor(() => caller.event("started"), 10_000, "started");
    gateway.send(conversation, { type: "say", id: 1, body: `Connecting you.<dtmf digits="1w2x#"/>Done.<hangup/>`, last: false });
    await waitFor(() => caller.event("ended"), 20_000, "the call ended");
    expect(caller.events.filter((e) => e.type !== "started" && e.type !== "clear")).toEqual([
      { type: "bot", id: 1, text: "Connecting you. Done." },
      { type: "dtmf", digits: "1" },
      { type: "dtmf", digits: "2" },
      { type: "dtmf", digits: "#" },
      { type: "ended", reason: "bot_ended" },
    ]);
    const [one, two, hash] = caller.events.filter((e) => e.type === "dtmf");
    // After "Connecting you." had played (its audio arrived before the first key), and `w` waited half a second.
    const keysAt = caller.timeOf(one!);
    expect(caller.audio.filter((a) => a.at < keysAt).length).toBeGreaterThan(0);
    expect(caller.timeOf(two!) - keysAt).toBeGreaterThanOrEqual(500);
    expect(caller.timeOf(hash!)).toBeGreaterThanOrEqual(caller.timeOf(two!));
    // "Done." was spoken after the keys.
    expect(caller.audio.filter((a) => a.at > caller.timeOf(hash!)).length).toBeGreaterThan(0);
    expect(gateway.received.filter((r) => r.conversation === conversation && r.message.type === "finished")).toHaveLength(1);
    await caller.closed;
    await waitFor(() => local.calls.size === 0, 5000, "the call over in the agent");
  });

  it("sends the keys of the bot's DTMF hints after its text, and simulates the transfer the gateway decided on", async () => {
    const before = starts().length;
    const caller = new LocalCaller(local.url, await mintTicket(SECRET, { serviceId: "svc_1", from: "x" }));
    await waitFor(() => starts().length > before, 5000, "start");
    const { conversation } = gateway.received.filter((r) => r.message.type === "start")[before]!;
    gateway.send(conversation, { type: "started", conversation, serviceId: "svc_1", language: "en-US", testMode: false, settings: DEFAULT_SETTINGS_VIEW });
    await waitFor(() => caller.event("started"), 10_000, "started");
    gateway.send(conversation, { type: "say", id: 1, body: "Dialling.", last: false, dtmf: "9#" });
    gateway.send(conversation, { type: "say", id: 2, body: "Bye.", last: false, transfer: { to: "+14155550100", waitMs: 0, allowed: true } });
    await waitFor(() => caller.event("ended"), 20_000, "the call ended");
    // (`bot` events come as each message is queued, before it plays.)
    expect(caller.events.filter((e) => e.type === "bot")).toEqual([
      { type: "bot", id: 1, text: "Dialling." },
      { type: "bot", id: 2, text: "Bye." },
    ]);
    expect(caller.events.filter((e) => e.type !== "started" && e.type !== "clear" && e.type !== "bot")).toEqual([
      { type: "dtmf", digits: "9" },
      { type: "dtmf", digits: "#" },
      { type: "transfer", to: "+14155550100", result: "transferred" },
      { type: "ended", reason: "transferred" },
    ]);
    // The keys went out after "Dialling." had played.
    expect(caller.audio.filter((a) => a.at < caller.timeOf(caller.event("dtmf")!)).length).toBeGreaterThan(0);
    expect(gateway.received.filter((r) => r.conversation === conversation && r.message.type === "transfer_result").map((r) => r.message)).toEqual([
      { type: "transfer_result", to: "+14155550100", result: "transferred" },
    ]);
    await caller.closed;
    await waitFor(() => local.calls.size === 0, 5000, "the call over in the agent");
  });

  it("has no page of its own that calls without a ticket, and no socket but /calls", async () => {
    const page = await fetch(local.url);
    expect(await page.text()).not.toContain("<script");
    const other = new WebSocket(`${local.url.replace("http", "ws")}/elsewhere`);
    const error = await new Promise<Error>((resolve) => other.once("error", resolve));
    expect(error.message).toMatch(/404/);
  });
});

import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { BridgeClient } from "../../agent/bridge.ts";
import type { AgentToGateway, GatewayToAgent } from "../../protocol/bridge.ts";
import { waitFor } from "../agent/helpers.ts";

/**
 * A gateway socket on loopback that records every connection's messages and lets the test drop them. It answers clock
 * probes as the real one does, with its clock `clockAheadMs` ahead of ours, and keeps them apart from the messages.
 */
async function startGateway(refuse: { status: number; times: number } = { status: 0, times: 0 }, clockAheadMs = 0) {
  let refusals = 0;
  const server = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    // As workerd does: a client that offers compression gets it.
    perMessageDeflate: true,
    // The first connection is let in; the next `times` upgrades are answered with `status`.
    verifyClient: (_info, done) => {
      if (connections.length > 0 && refusals < refuse.times) {
        refusals++;
        return done(false, refuse.status);
      }
      done(true);
    },
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const connections: { ws: WebSocket; received: AgentToGateway[]; url: string; extensions: string | undefined }[] = [];
  let probes = 0;
  server.on("connection", (ws, req) => {
    const connection = { ws, received: [] as AgentToGateway[], url: req.url ?? "", extensions: req.headers["sec-websocket-extensions"] };
    connections.push(connection);
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as AgentToGateway;
      if (message.type !== "clock") return connection.received.push(message);
      probes++;
      ws.send(JSON.stringify({ type: "clock", agentSentAt: message.agentSentAt, gatewayAt: Date.now() + clockAheadMs } satisfies GatewayToAgent));
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    probes: () => probes,
    send: (ws: WebSocket, message: GatewayToAgent) => ws.send(JSON.stringify(message)),
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
}

let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const transcript = (text: string): AgentToGateway => ({ type: "transcript", text });

describe("the agent's bridge socket (agent/bridge.ts)", () => {
  it("reopens a dropped socket with resume, sends again what the gateway had not applied, in order, and tells what it heard last", async () => {
    gateway = await startGateway();
    const bridge = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-1", reconnectDelaysMs: [50, 50] });
    const heard: GatewayToAgent[] = [];
    bridge.on("message", (m) => heard.push(m));
    let closed = false;
    bridge.on("close", () => (closed = true));

    void bridge.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    for (const text of ["one", "two", "three"]) void bridge.send(transcript(text));
    const first = await waitFor(() => gateway!.connections[0]?.received.length === 4 && gateway!.connections[0], 5000, "start and three messages");
    expect(first.url).toBe("/agent/v1/conversations/c-1");
    expect(first.extensions).toBeUndefined(); // no permessage-deflate offered (agent/websocket.ts)
    expect(first.received.map((m) => m.type)).toEqual(["start", "transcript", "transcript", "transcript"]);
    gateway.send(first.ws, { type: "say", id: 7, body: "Hello", last: false });
    await waitFor(() => heard.length === 1, 5000, "the say");

    // The gateway applied only "one" before the socket dropped; "four" is sent while it is down.
    first.ws.terminate();
    void bridge.send(transcript("four"));
    const second = await waitFor(() => gateway!.connections[1]?.received.length === 1 && gateway!.connections[1], 5000, "the resume");
    expect(second.received[0]).toEqual({ type: "resume", lastSayId: 7 });
    // Nothing else goes out before the gateway says what it has.
    await new Promise((r) => setTimeout(r, 100));
    expect(second.received).toHaveLength(1);
    gateway.send(second.ws, { type: "resumed", received: 1 });
    await waitFor(() => second.received.length === 4, 5000, "the messages sent again");
    expect(second.received.slice(1)).toEqual([transcript("two"), transcript("three"), transcript("four")]);
    expect(closed).toBe(false);
    expect(heard).toEqual([{ type: "say", id: 7, body: "Hello", last: false }]);

    // Closing sends what is left, then closes the socket for good.
    void bridge.send({ type: "hangup" });
    bridge.close();
    await waitFor(() => closed, 5000, "the bridge to close");
    expect(second.received.at(-1)).toEqual({ type: "hangup" });
  });

  it("gives up after its reconnection attempts, and does not reopen a socket the gateway closed on purpose", async () => {
    gateway = await startGateway();
    const bridge = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-2", reconnectDelaysMs: [20, 20] });
    const closes: [number, string][] = [];
    bridge.on("close", (code, reason) => closes.push([code, reason]));
    void bridge.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    const first = await waitFor(() => gateway!.connections[0]?.received.length === 1 && gateway!.connections[0], 5000, "start");
    // The gateway goes away for good: two attempts, then the bridge is over.
    await gateway.close();
    gateway = undefined;
    first.ws.terminate();
    await waitFor(() => closes.length === 1, 5000, "the bridge to give up");
    expect(closes[0]![1]).toMatch(/gave up after 2 attempts/);

    gateway = await startGateway();
    const ended = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-3", reconnectDelaysMs: [20] });
    const endedCloses: number[] = [];
    ended.on("close", (code) => endedCloses.push(code));
    void ended.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    const conn = await waitFor(() => gateway!.connections[0]?.received.length === 1 && gateway!.connections[0], 5000, "start");
    conn.ws.close(1000, "finished");
    await waitFor(() => endedCloses.length === 1, 5000, "the close");
    expect(endedCloses).toEqual([1000]);
    await new Promise((r) => setTimeout(r, 200));
    expect(gateway.connections).toHaveLength(1);
  });

  it("tries again while a restarting gateway answers 503, and stops at a 401", async () => {
    gateway = await startGateway({ status: 503, times: 2 });
    const bridge = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-4", reconnectDelaysMs: [20, 20, 20, 20] });
    void bridge.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    const first = await waitFor(() => gateway!.connections[0]?.received.length === 1 && gateway!.connections[0], 5000, "start");
    first.ws.terminate();
    const resumed = await waitFor(() => gateway!.connections[1]?.received.length === 1 && gateway!.connections[1], 5000, "the third attempt");
    expect(resumed.received[0]).toEqual({ type: "resume", lastSayId: 0 });
    bridge.close();
    await gateway.close();

    gateway = await startGateway({ status: 401, times: 5 });
    const refused = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-5", reconnectDelaysMs: [20, 20, 20, 20] });
    const closes: string[] = [];
    refused.on("close", (_code, reason) => closes.push(reason));
    void refused.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    const conn = await waitFor(() => gateway!.connections[0]?.received.length === 1 && gateway!.connections[0], 5000, "start");
    conn.ws.terminate();
    await waitFor(() => closes.length === 1, 5000, "the bridge to stop");
    expect(closes).toEqual(["bridge refused: HTTP 401"]);
    expect(gateway.connections).toHaveLength(1);
  });

  it("measures the gateway's clock with probes each time a socket goes live, and converts our times into it", async () => {
    gateway = await startGateway(undefined, 5_000);
    const bridge = new BridgeClient({ gatewayUrl: gateway.url, agentSecret: "s", conversation: "c-clock", reconnectDelaysMs: [50] });
    expect(bridge.clockOffset).toBeUndefined();
    void bridge.send({ type: "start", from: "+442071838750", serviceId: "svc", transport: "local" });
    await waitFor(() => gateway!.probes() === 3 && bridge.clockOffset, 5000, "three clock probes answered");
    const { offsetMs, roundTripMs } = bridge.clockOffset!;
    expect(Math.abs(offsetMs - 5_000)).toBeLessThanOrEqual(roundTripMs / 2 + 1);
    expect(bridge.toGatewayTime(1_000)).toBe(Math.round(1_000 + offsetMs));
    // The probes are not messages: the gateway got `start` alone, and a resumed socket probes again.
    expect(gateway.connections[0]!.received.map((m) => m.type)).toEqual(["start"]);
    gateway.connections[0]!.ws.terminate();
    const second = await waitFor(() => gateway!.connections[1]?.received.length === 1 && gateway!.connections[1], 5000, "the resume");
    gateway.send(second.ws, { type: "resumed", received: 0 });
    await waitFor(() => gateway!.probes() === 6, 5000, "three more probes after the resume");
    bridge.close();
  });
});

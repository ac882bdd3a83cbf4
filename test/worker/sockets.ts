import { expect } from "vitest";
import { SELF } from "cloudflare:test";
import type { GatewayToAgent } from "../../protocol/bridge.ts";
import { api, eventually, freshNumber, serviceWithBot } from "./helpers.ts";

/** A WebSocket client inside workerd, with a queue of what it received. */
export async function connect<T>(path: string, headers: Record<string, string>) {
  const res = await SELF.fetch(`http://gateway.test${path}`, { headers: { upgrade: "websocket", ...headers } });
  if (res.status !== 101 || !res.webSocket) return { status: res.status, socket: undefined };
  const ws = res.webSocket;
  ws.accept();
  const inbox: T[] = [];
  let closed = false;
  ws.addEventListener("message", (e) => {
    inbox.push(JSON.parse(e.data as string) as T);
  });
  ws.addEventListener("close", () => (closed = true));
  const next = async (predicate: (m: T) => boolean = () => true) =>
    eventually(async () => {
      const i = inbox.findIndex(predicate);
      return i >= 0 && inbox.splice(i, 1)[0];
    }, 10_000);
  return { status: 101, socket: { ws, inbox, next, send: (m: unknown) => ws.send(JSON.stringify(m)), isClosed: () => closed } };
}

/** The voice agent's socket onto a call. */
export const agent = (conversation: string, secret = "test-agent-secret") =>
  connect<GatewayToAgent>(`/agent/v1/conversations/${conversation}`, { authorization: `Bearer ${secret}` });

/** A service wired to the fake bot, with a phone number of its own. */
export async function numberedServiceWithBot(behaviour = "") {
  const bot = await serviceWithBot(behaviour);
  const number = freshNumber();
  const res = await api(`/api/v1/services/${bot.serviceId}`, { method: "PATCH", key: bot.key, json: { numbers: [number] } });
  return { ...bot, token: res.body.token as string, number };
}

/** A phone call to `number`, carried by an agent socket, once the gateway has answered `started`. */
export async function phoneCall(number: string) {
  const conversation = crypto.randomUUID();
  const { socket } = await agent(conversation);
  socket!.send({ type: "start", from: "+442071838750", to: number, transport: "sip" });
  expect(await socket!.next()).toMatchObject({ type: "started" });
  return { conversation, socket: socket! };
}

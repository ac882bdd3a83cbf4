import { SELF } from "cloudflare:test";
import { inject } from "vitest";
import type { Received } from "../support/fake-bot.ts";

export const fakeBotUrl = () => inject("fakeBotUrl");

export async function api(path: string, init: RequestInit & { key?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const response = await SELF.fetch(`http://gateway.test${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

export async function register() {
  const email = `dev-${crypto.randomUUID()}@example.com`;
  const res = await api("/api/v1/accounts", { method: "POST", json: { email, password: "correct horse battery" } });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; email: string; apiKey: string };
}

export async function createService(key: string, input = { name: "Pizza bot", language: "en-US" }) {
  const res = await api("/api/v1/services", { method: "POST", key, json: input });
  if (res.status !== 201) throw new Error(`create service: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; token: string; demo: boolean };
}

/** A service wired to the fake bot; `behaviour` is the fake bot's query string (see test/support/fake-bot.ts). */
export async function serviceWithBot(behaviour = "") {
  const account = await register();
  const service = await createService(account.apiKey);
  const res = await api(`/api/v1/services/${service.id}`, {
    method: "PATCH",
    key: account.apiKey,
    json: { botUrl: `${fakeBotUrl()}/bot/{conversation}?${behaviour}`, botToken: "bot-secret-123" },
  });
  if (res.status !== 200) throw new Error(`configure: ${res.status} ${JSON.stringify(res.body)}`);
  return { key: account.apiKey, serviceId: service.id, token: res.body.token as string };
}

export async function startCall(key: string, serviceId: string, from = "+14155550100", to?: string) {
  const res = await api(`/api/v1/services/${serviceId}/calls`, { method: "POST", key, json: { from, ...(to ? { to } : {}) } });
  if (res.status !== 201) throw new Error(`start call: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.conversation as string;
}

export const say = (key: string, conversation: string, text: string) =>
  api(`/api/v1/calls/${conversation}/utterances`, { method: "POST", key, json: { text } });

export function botSends(conversation: string, token: string | null, message: Record<string, unknown>, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  else if (token !== null) headers.authorization = `Basic ${token}`;
  return SELF.fetch(`http://gateway.test/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ conversation, ...message }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { success: boolean; reason: string } }));
}

export async function received(conversation: string): Promise<Received[]> {
  const res = await fetch(`${fakeBotUrl()}/received/${conversation}`);
  return (await res.json()) as Received[];
}

/** Polls until `check` returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const deliveredMessages = async (conversation: string) =>
  (await received(conversation)).filter((r) => r.answered === 200).map((r) => r.message);

/** The messages the bot took, once it has taken exactly `count` of them. */
export const deliveredOnce = (conversation: string, count: number, timeoutMs?: number) =>
  eventually(async () => {
    const m = await deliveredMessages(conversation);
    return m.length === count && m;
  }, timeoutMs);

/** The same secret with its last character changed: always wrong (a fixed replacement letter would be right 1 time in 64). */
export function flipLastCharacter(secret: string): string {
  return secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
}

/**
 * A valid San Francisco number no other test has claimed (numbers are unique across services). Drawn from 8 million,
 * so two draws in one run practically never collide (the earlier 9,000 collided about once in 400 runs).
 */
export function freshNumber(): string {
  return `+1415${2_000_000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 8_000_000)}`;
}

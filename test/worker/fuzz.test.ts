import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { jsonValue, weird } from "../support/arbitraries.ts";
import { describe, expect, it } from "vitest";
import { api, createService, register, startCall } from "./helpers.ts";

// Property-based fuzzing of the WebSockets (2,000 generated messages); the HTTP endpoints are fuzzed over real
// HTTP against `npm start`'s server in test/e2e/fuzz-http.test.ts (8,000 requests).

describe("fuzzing", () => {
  it("survives 2,000 generated messages on the agent and chat WebSockets", async () => {
    const { apiKey: key } = await register();
    const demo = await createService(key);
    const conversation = await startCall(key, demo.id);
    const open = async (url: string, headers: Record<string, string>) => {
      const res = await SELF.fetch(url, { headers: { upgrade: "websocket", ...headers } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      const inbox: string[] = [];
      ws.addEventListener("message", (e) => {
        inbox.push(e.data as string);
      });
      return { ws, inbox };
    };
    const agentConversation = crypto.randomUUID();
    const agent = await open(`http://gateway.test/agent/v1/conversations/${agentConversation}`, { authorization: "Bearer test-agent-secret" });
    agent.ws.send(JSON.stringify({ type: "start", from: "+15550001111", serviceId: demo.id, transport: "local" }));
    const chat = await open(`http://gateway.test/api/v1/calls/${conversation}/chat`, { authorization: `Bearer ${key}` });

    const message = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom("start", "transcript", "dtmf", "pin", "interrupted", "usage", "say", "nonsense"),
          text: jsonValue,
          digits: fc.oneof(jsonValue, fc.stringMatching(/^[0-9*#]{1,5}$/)),
          pin: jsonValue,
          id: jsonValue,
          spokenText: jsonValue,
          sttSeconds: jsonValue,
          ttsCharacters: jsonValue,
          body: jsonValue,
          last: fc.constant(false),
          from: jsonValue,
          to: jsonValue,
          transport: jsonValue,
        },
        { requiredKeys: ["type"] },
      ).map((m) => JSON.stringify(m)),
      jsonValue.map((v) => JSON.stringify(v)),
      weird,
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), message, async (toAgent, data) => {
        (toAgent ? agent : chat).ws.send(data);
      }),
      { numRuns: 2_000 },
    );
    // Both sockets are still served: a well-formed message still gets its answer.
    agent.ws.send(JSON.stringify({ type: "pin", pin: "0000" }));
    chat.ws.send(JSON.stringify({ type: "say", body: "still alive" }));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !(agent.inbox.some((m) => m.includes("pin_result")) && chat.inbox.some((m) => m.includes("still alive")))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(agent.inbox.some((m) => m.includes("pin_result"))).toBe(true);
    expect(chat.inbox.some((m) => m.includes("still alive"))).toBe(true);
    for (const raw of [...agent.inbox, ...chat.inbox]) expect(() => JSON.parse(raw)).not.toThrow();
    expect((await api(`/api/v1/calls/${conversation}`, { key })).status).toBe(200);
  }, 120_000);
});

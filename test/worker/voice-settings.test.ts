import { describe, expect, it } from "vitest";
import { api, createService, register } from "./helpers.ts";
import { agent, numberedServiceWithBot } from "./sockets.ts";

describe("voice settings (protocol/settings/voice.ts)", () => {
  it("defaults to the agent's automatic choice, saves provider, voice, rate and threshold, and refuses bad values naming the field", async () => {
    const { apiKey: key } = await register();
    const { id } = await createService(key, { name: "Voice", language: "en-GB" });
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject({ ttsProvider: "auto", ttsVoice: null, speakingRate: 1, endOfTurnThreshold: 0.7, eagerEndOfTurn: "off" });

    const chosen = { ttsProvider: "deepgram", ttsVoice: "aura-2-orion-en", speakingRate: 1.15, endOfTurnThreshold: 0.6, eagerEndOfTurn: 0.4 };
    const patched = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: chosen });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject(chosen);
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject(chosen);
    // Back to the provider's voice for the language.
    expect((await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { ttsVoice: null } })).body).toMatchObject({ ...chosen, ttsVoice: null });

    const cases: [Record<string, unknown>, string][] = [
      [{ ttsProvider: "elevenlabs" }, "ttsProvider"],
      [{ ttsVoice: "" }, "ttsVoice"],
      [{ ttsVoice: "x".repeat(101) }, "ttsVoice"],
      [{ speakingRate: 2.5 }, "speakingRate"],
      [{ speakingRate: "fast" }, "speakingRate"],
      [{ endOfTurnThreshold: 0.95 }, "endOfTurnThreshold"],
      [{ endOfTurnThreshold: 0.4 }, "endOfTurnThreshold"],
      [{ eagerEndOfTurn: 0.2 }, "eagerEndOfTurn"],
      [{ eagerEndOfTurn: 0.95 }, "eagerEndOfTurn"],
      [{ eagerEndOfTurn: "on" }, "eagerEndOfTurn"],
      [{ eagerEndOfTurn: null }, "eagerEndOfTurn"],
    ];
    for (const [json, field] of cases) {
      const bad = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    }
    // Eagerness off again.
    expect((await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { eagerEndOfTurn: "off" } })).body).toMatchObject({ eagerEndOfTurn: "off" });
    // In the OpenAPI document, for PATCH and GET alike.
    const doc = JSON.stringify((await api("/api/v1/openapi.json")).body);
    expect(doc.split(`"eagerEndOfTurn"`).length - 1).toBeGreaterThanOrEqual(2);
  });

  it("reach the voice agent in `started`", async () => {
    const line = await numberedServiceWithBot();
    await api(`/api/v1/services/${line.serviceId}`, { method: "PATCH", key: line.key, json: { ttsProvider: "cartesia", speakingRate: 0.9, endOfTurnThreshold: 0.8, eagerEndOfTurn: 0.5 } });
    const { socket } = await agent(crypto.randomUUID());
    socket!.send({ type: "start", from: "+442071838750", to: line.number, transport: "sip" });
    const started = await socket!.next();
    expect(started).toMatchObject({ type: "started", settings: { ttsProvider: "cartesia", ttsVoice: null, speakingRate: 0.9, endOfTurnThreshold: 0.8, eagerEndOfTurn: 0.5 } });
  });
});

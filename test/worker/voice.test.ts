import { describe, expect, it } from "vitest";
import { api, createService, register } from "./helpers.ts";

// This workerd project has no LiveKit variables and no local agent URL: the voice endpoints say so clearly, and
// number changes do not touch LiveKit. (With LiveKit: test/e2e/livekit.test.ts.)
describe("voice endpoints without LiveKit or a local agent", () => {
  it("reports mode none, refuses browser calls and provisioning with 503, and needs credentials", async () => {
    const { apiKey: key } = await register();
    const { id } = await createService(key);
    expect((await api("/api/v1/voice/config", { key })).body).toEqual({ mode: "none" });
    const call = await api(`/api/v1/services/${id}/browser-calls`, { method: "POST", key });
    expect(call.status).toBe(503);
    expect(call.body.error).toMatch(/voice calls are not configured/);
    const provision = await api(`/api/v1/services/${id}/provision`, { method: "POST", key });
    expect(provision.status).toBe(503);
    expect(provision.body.error).toMatch(/LiveKit is not configured/);

    expect((await api("/api/v1/voice/config")).status).toBe(401);
    expect((await api(`/api/v1/services/${id}/browser-calls`, { method: "POST" })).status).toBe(401);
    const stranger = await register();
    expect((await api(`/api/v1/services/${id}/browser-calls`, { method: "POST", key: stranger.apiKey })).status).toBe(404);

    const patched = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { numbers: ["+14155552699"] } });
    expect(patched.status).toBe(200);
    expect(patched.body.provisioning).toBeUndefined();
    expect((await api(`/api/v1/services/${id}`, { method: "DELETE", key })).status).toBe(204);
  });
});

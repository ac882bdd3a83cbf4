import { describe, expect, it } from "vitest";
import { api, createService, register } from "./helpers.ts";

describe("service settings (protocol/service-settings.ts)", () => {
  it("shows each setting's default, saves a PATCH, keeps it through other changes and refuses a bad value naming the field", async () => {
    const { apiKey: key } = await register();
    const { id } = await createService(key, { name: "Settings", language: "en-GB" });
    expect((await api(`/api/v1/services/${id}`, { key })).body.messageFormat).toBe("seed");

    const patched = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { messageFormat: "booleans" } });
    expect(patched.status).toBe(200);
    expect(patched.body.messageFormat).toBe("booleans");
    await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { name: "Renamed" } });
    expect((await api(`/api/v1/services/${id}`, { key })).body).toMatchObject({ name: "Renamed", messageFormat: "booleans" });

    const bad = await api(`/api/v1/services/${id}`, { method: "PATCH", key, json: { messageFormat: "xml" } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(["messageFormat"]);

    const events = (await api(`/api/v1/services/${id}/events`, { key })).body as { type: string; fields?: string[] }[];
    expect(events.filter((e) => e.type === "reconfigured").map((e) => e.fields)).toEqual([["messageFormat"], ["name"]]);
  });
});

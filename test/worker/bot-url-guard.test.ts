import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";
import { PUBLIC_ADDRESS_REQUIRED, botUrlRefusal } from "../../worker/bot-url-guard.ts";
import { NON_PUBLIC_HOSTS, PUBLIC_BOT_URLS } from "../support/bot-url-cases.ts";
import { createService, register } from "./helpers.ts";

// The guard runs here in production (the Worker and the Conversation object): ipaddr.js must bundle for workerd,
// and workerd's own URL parser must normalise addresses as Node's does. These tests run with the production
// setting, not the test pool's ALLOW_PRIVATE_BOT_URLS=true.
const production = { ...env, ALLOW_PRIVATE_BOT_URLS: undefined };

describe("bot URL guard inside workerd", () => {
  it("refuses every non-public destination and accepts public ones", () => {
    for (const host of NON_PUBLIC_HOSTS) expect(botUrlRefusal(`http://${host}/hook`, production), host).toBe(PUBLIC_ADDRESS_REQUIRED);
    for (const url of PUBLIC_BOT_URLS) expect(botUrlRefusal(url, production), url).toBeUndefined();
  });

  it("answers a reconfiguration to a disguised loopback address with the documented error", async () => {
    const { apiKey } = await register();
    const service = await createService(apiKey);
    for (const botUrl of ["http://[::127.0.0.1]/bot", "http://[64:ff9b::7f00:1]/bot", "http://0x7f.1/bot"]) {
      const response = await app.request(
        `http://gateway.test/api/v1/services/${service.id}`,
        { method: "PATCH", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ botUrl }) },
        production,
      );
      expect(response.status, botUrl).toBe(400);
      expect(await response.json()).toEqual({ error: "invalid input", details: [{ field: "botUrl", message: PUBLIC_ADDRESS_REQUIRED }] });
    }
  });
});

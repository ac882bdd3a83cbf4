import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectAccessible } from "./browser-checks.ts";
import { messagingClient } from "../../client/index.ts";
import { portalSuite } from "./portal-suite.ts";
import { artifactsDir } from "./server.ts";
import { containsText, visible } from "./ui-expect.ts";

/** The service page's "Message format" card and a message's hints on the call detail, in a real Chromium. */

const portal = portalSuite("message-format", { agent: false });
let serviceId = "";

describe("the Message format card, in Chromium", () => {
  it("shows strings, the default, with both formats explained", async () => {
    const { page } = portal;
    await portal.signUp("format");
    await page.getByRole("button", { name: "+ New Subscription" }).click();
    await page.getByLabel("Service name").fill("Format bot");
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Format bot" }).waitFor();
    serviceId = new URL(page.url()).pathname.split("/")[2]!;

    const card = page.getByRole("region", { name: "Message format" });
    await visible(card);
    expect(await card.getByRole("radio", { name: /Strings \(default\)/ }).isChecked()).toBe(true);
    expect(await card.getByRole("radio", { name: /Booleans/ }).isChecked()).toBe(false);
    await containsText(card, '{"new": "true", "last": "false", "opaque": ""}');
    await containsText(card, '{"new": true, "last": false, "opaque": null}');
    await containsText(card, "echo-bot-js");
    expect(await card.getByRole("button", { name: "Save format" }).isDisabled()).toBe(true);
    await expectAccessible(page, "service settings, with the message format card");
  });

  it("saves booleans, which the API returns and a reload keeps", async () => {
    const { page } = portal;
    const card = page.getByRole("region", { name: "Message format" });
    await card.getByRole("radio", { name: /Booleans/ }).check();
    await card.getByRole("button", { name: "Save format" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    await card.screenshot({ path: join(artifactsDir, "message-format.png") });
    expect((await portal.api("GET", `/api/v1/services/${serviceId}`)).body.messageFormat).toBe("booleans");

    await page.reload();
    const reloaded = page.getByRole("region", { name: "Message format" });
    await visible(reloaded);
    expect(await reloaded.getByRole("radio", { name: /Booleans/ }).isChecked()).toBe(true);
  });

  it("shows a message's hints on the call detail", async () => {
    const { page } = portal;
    // A new token (the one shown after saving is gone with the reload), then a simulated call answered through the
    // send API, as the owner may in demo mode, with hints as the real product's bots send them: a JSON string.
    const { token } = (await portal.api("PATCH", `/api/v1/services/${serviceId}`, { name: "Format bot" })).body as { token: string };
    const started = await portal.api("POST", `/api/v1/services/${serviceId}/calls`, { from: "+14155550123" });
    expect(started.status).toBe(201);
    const conversation = started.body.conversation as string;
    const hints = { telephony: { action: "transfer", info: { called: "+14155550100" } } };
    const sent = await messagingClient(portal.gateway.url, token).POST("/cloudengine/rest/voicebot/send/{conversation}", {
      params: { path: { conversation } },
      body: { conversation, body: "Putting you through.", hints: JSON.stringify(hints), last: false },
    });
    expect(sent.data).toEqual({ success: true, reason: "delivered" });

    await page.goto(`${portal.gateway.url}/services/${serviceId}/calls`);
    await page.getByTestId("call-row").first().getByRole("button", { name: "Transcript" }).click();
    const transcript = page.getByTestId("transcript");
    await containsText(transcript, "Putting you through.");
    // The bot's hints, then ours: this service allows no transfer destination, so we told the bot the transfer failed.
    await containsText(transcript.getByTestId("message-hints").first(), JSON.stringify(hints));
    await containsText(transcript.getByTestId("message-hints").nth(1), '"event":"transfer_failed"');
    await expectAccessible(page, "calls, with a message's hints");
    await page.screenshot({ path: join(artifactsDir, "message-hints.png"), fullPage: true });
  });
});

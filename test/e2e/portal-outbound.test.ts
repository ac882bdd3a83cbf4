import { beforeAll, describe, expect, it } from "vitest";
import { expectAccessible } from "./browser-checks.ts";
import { portalSuite } from "./portal-suite.ts";
import { containsText, hasCount, visible } from "./ui-expect.ts";

/**
 * Calls started by the bot in the portal, in Chromium against `wrangler dev`: the Outbound calls card (the trunk
 * password write-only), the simulated phone ringing in the Test chat with Answer and Decline, and the calls list
 * showing direction and the failure.
 */
const TRUNK_PASSWORD = "trunk-password-portal-5d1e";
const NUMBER = "+14155552671";

const portal = portalSuite("outbound");
let serviceId = "";

async function botStarts(token: string, conversation: string, body: string) {
  const res = await fetch(`${portal.gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${token}` },
    body: JSON.stringify({ new: true, to: "+33142685300", body }),
  });
  return ((await res.json()) as { reason: string }).reason;
}

beforeAll(async () => {
  await portal.signUp("outbound");
  const created = await portal.api("POST", "/api/v1/services", { name: "Outbound pizza", language: "en-US" });
  serviceId = created.body.id;
  expect((await portal.api("PATCH", `/api/v1/services/${serviceId}`, { numbers: [NUMBER] })).status).toBe(200);
});

describe("calls started by the bot, in the portal (Chromium)", () => {
  let token = "";

  it("sets outbound calls on the Outbound calls card; the trunk password is never shown again and kept when left empty", async () => {
    const { page } = portal;
    await page.goto(`${portal.gateway.url}/services/${serviceId}`);
    const card = page.getByRole("region", { name: "Outbound calls" });
    await containsText(card, "Off");
    await card.getByLabel("Allow the bot to start calls").check();
    await card.getByLabel("Allowed destinations").fill("+33, gb");
    await card.getByLabel("Simultaneous outbound calls").fill("3");
    await card.getByLabel("SIP trunk address").fill("sip.provider.example");
    await card.getByLabel("SIP trunk username").fill("pmb");
    await card.getByLabel("SIP trunk password").fill(TRUNK_PASSWORD);
    await card.getByRole("button", { name: "Save outbound calls" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    await containsText(card, "Enabled");
    await visible(card.getByText("A password is set."));
    expect(await card.getByLabel("SIP trunk password").inputValue()).toBe("");
    expect(await card.getByLabel("Allowed destinations").inputValue()).toBe("+33, gb");
    await expectAccessible(page, "service settings with the Outbound calls card");

    // Saved again without a password: the stored one is kept. A bad destination is refused in words on its field.
    await card.getByLabel("SIP trunk username").fill("pmb2");
    await card.getByRole("button", { name: "Save outbound calls" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    const service = (await portal.api("GET", `/api/v1/services/${serviceId}`)).body;
    expect(service.outbound).toEqual({ enabled: true, destinations: ["+33", "GB"], maxConcurrent: 3, trunk: { address: "sip.provider.example", username: "pmb2", passwordSet: true } });
    expect(await page.content()).not.toContain(TRUNK_PASSWORD);
    await card.getByLabel("Allowed destinations").fill("33");
    await card.getByRole("button", { name: "Save outbound calls" }).click();
    await visible(card.getByText(/an E\.164 prefix such as \+33/).first());
    token = await page.getByTestId("phonemybot-token").inputValue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("rings in the Test chat's simulated caller: Answer hears the bot's body; Decline ends the call as call_failed", async () => {
    const { page } = portal;
    await page.getByRole("link", { name: "Test chat" }).click();
    expect(await botStarts(token, "portal-answered", "Hello, this is Outbound pizza calling.")).toBe("delivered");
    const incoming = page.getByTestId("incoming-calls");
    await containsText(incoming, "Your bot is calling +33 1 42 68 53 00");
    await expectAccessible(page, "test chat with an incoming call");
    await incoming.getByRole("button", { name: "Answer", exact: true }).click();
    await containsText(page.getByTestId("caller-log"), "Hello, this is Outbound pizza calling.");
    await page.getByLabel("Say something").fill("Yes, I am home");
    await page.getByRole("button", { name: "Say", exact: true }).click();
    await containsText(page.getByTestId("caller-log"), "Yes, I am home");
    await page.getByRole("button", { name: "Hang up" }).click();

    expect(await botStarts(token, "portal-declined", "Hello again.")).toBe("delivered");
    await page.getByTestId("incoming-calls").getByRole("button", { name: "Decline" }).click();
    await hasCount(page.getByTestId("incoming-calls"), 0);
    expect((await portal.api("GET", "/api/v1/calls/portal-declined")).body).toMatchObject({ endReason: "call_failed", failure: { sipStatus: 603 } });
  });

  it("shows direction and the failure in the calls list and detail", async () => {
    const { page } = portal;
    await page.getByRole("link", { name: "Calls", exact: true }).click();
    const rows = page.getByTestId("call-row");
    await hasCount(rows, 2);
    await containsText(rows.first().getByTestId("call-direction"), "Outbound (bot)");
    await containsText(rows.first().getByTestId("call-ended"), "SIP 603 declined");
    await containsText(rows.nth(1).getByTestId("call-ended"), "the caller hung up");
    await rows.first().getByRole("button", { name: "Transcript" }).click();
    await containsText(page.getByTestId("call-failure"), "Not connected: SIP 603 declined");
    await expectAccessible(page, "calls with an outbound call that failed");
  });
});

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { portalSuite } from "./portal-suite.ts";
import { artifactsDir } from "./server.ts";
import { visible } from "./ui-expect.ts";

/** The service page's "Call limits" card in a real Chromium against `npm start`'s server. */

const portal = portalSuite("call-limits", { agent: false });
let serviceId = "";

describe("the Call limits card, in Chromium", () => {
  it("shows the defaults of a new service", async () => {
    const { page } = portal;
    await portal.signUp("limits");
    await page.getByRole("button", { name: "+ New Subscription" }).click();
    await page.getByLabel("Service name").fill("Limits bot");
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Limits bot" }).waitFor();
    serviceId = new URL(page.url()).pathname.split("/")[2]!;

    const card = page.getByRole("region", { name: "Call limits" });
    await visible(card);
    expect(await card.getByLabel("Maximum call duration (minutes)").inputValue()).toBe("60");
    expect(await card.getByLabel("Idle timeout (minutes)").inputValue()).toBe("10");
  });

  it("refuses a value out of range in words, then saves both limits, which the API returns", async () => {
    const { page } = portal;
    const card = page.getByRole("region", { name: "Call limits" });
    await card.getByLabel("Maximum call duration (minutes)").fill("481");
    await card.getByRole("button", { name: "Save limits" }).click();
    await visible(card.getByText("Enter a whole number of minutes from 1 to 480."));
    expect((await portal.api("GET", `/api/v1/services/${serviceId}`)).body.maxCallMinutes).toBe(60);

    await card.getByLabel("Maximum call duration (minutes)").fill("90");
    await card.getByLabel("Idle timeout (minutes)").fill("5");
    await card.getByRole("button", { name: "Save limits" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    await page.screenshot({ path: join(artifactsDir, "call-limits.png"), fullPage: true });
    const stored = await portal.api("GET", `/api/v1/services/${serviceId}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ maxCallMinutes: 90, idleTimeoutMinutes: 5 });

    // Still there after a reload.
    await page.reload();
    const reloaded = page.getByRole("region", { name: "Call limits" });
    await visible(reloaded);
    expect(await reloaded.getByLabel("Maximum call duration (minutes)").inputValue()).toBe("90");
    expect(await reloaded.getByLabel("Idle timeout (minutes)").inputValue()).toBe("5");
  });
});

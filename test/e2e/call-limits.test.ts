import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, artifactsDir, launchChromium, startGateway } from "./server.ts";
import { visible } from "./ui-expect.ts";

/** The service page's "Call limits" card in a real Chromium against `npm start`'s server. */

const PASSWORD = "a long and careful password";

let gateway: Gateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let serviceId = "";

/** Cookie-authenticated API calls from inside the page's context, with the session's CSRF token. */
async function pageApi(method: string, path: string) {
  const session = await page.request.get(`${gateway.url}/api/v1/session`);
  const csrf = session.ok() ? ((await session.json()) as { csrfToken: string }).csrfToken : "";
  const res = await page.request.fetch(`${gateway.url}${path}`, { method, headers: { "x-csrf-token": csrf } });
  return { status: res.status(), body: (await res.json()) as any };
}

beforeAll(async () => {
  await mkdir(artifactsDir, { recursive: true });
  [gateway, browser] = await Promise.all([startGateway({}, { agent: false }), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, 120_000);

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await page?.screenshot({ path: join(artifactsDir, `FAILED-call-limits-${test.task.name.slice(0, 30)}.png`), fullPage: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await gateway?.stop();
}, 30_000);

describe("the Call limits card, in Chromium", () => {
  it("shows the defaults of a new service", async () => {
    await page.goto(`${gateway.url}/signup`);
    await page.getByLabel("Email").fill(`limits-${Date.now()}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Confirm password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
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
    const card = page.getByRole("region", { name: "Call limits" });
    await card.getByLabel("Maximum call duration (minutes)").fill("481");
    await card.getByRole("button", { name: "Save limits" }).click();
    await visible(card.getByText("Enter a whole number of minutes from 1 to 480."));
    expect((await pageApi("GET", `/api/v1/services/${serviceId}`)).body.maxCallMinutes).toBe(60);

    await card.getByLabel("Maximum call duration (minutes)").fill("90");
    await card.getByLabel("Idle timeout (minutes)").fill("5");
    await card.getByRole("button", { name: "Save limits" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    await page.screenshot({ path: join(artifactsDir, "call-limits.png"), fullPage: true });
    const stored = await pageApi("GET", `/api/v1/services/${serviceId}`);
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

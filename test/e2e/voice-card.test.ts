import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeCartesia } from "../agent/fake-cartesia.ts";
import { type ConsoleWatch, expectAccessible, watchConsole } from "./browser-checks.ts";
import { artifactsDir, callGateway, type Gateway, launchChromium, startGateway, until } from "./server.ts";
import { visible } from "./ui-expect.ts";

/**
 * The service page's Voice card in a real Chromium, against `npm start` (gateway and local agent) whose agent has a
 * Cartesia key (a loopback fake of Cartesia's WebSocket API) and espeak-ng: it offers exactly those providers, plays
 * a sample of the chosen voice synthesized by the agent, and saves provider, voice, rate, end-of-turn threshold and
 * eager end of turn.
 */

const PASSWORD = "voice card password";
let cartesia: Awaited<ReturnType<typeof startFakeCartesia>>;
let gateway: Gateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;
let account = { email: "", key: "", serviceId: "" };

const request = (path: string, init: Parameters<typeof callGateway>[2] = {}) => callGateway(gateway.url, path, init);

beforeAll(async () => {
  await mkdir(artifactsDir, { recursive: true });
  cartesia = await startFakeCartesia({ apiKey: "cartesia-e2e" });
  [gateway, browser] = await Promise.all([startGateway({ CARTESIA_API_KEY: "cartesia-e2e", CARTESIA_URL: cartesia.url }), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  consoleWatch = await watchConsole(context);
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const email = `voice-${crypto.randomUUID()}@example.com`;
  const created = await request("/api/v1/accounts", { method: "POST", json: { email, password: PASSWORD } });
  const key = created.body.apiKey as string;
  const service = await request("/api/v1/services", { method: "POST", key, json: { name: "Voice line", language: "en-US" } });
  account = { email, key, serviceId: service.body.id as string };
}, 120_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail") await page?.screenshot({ path: join(artifactsDir, `FAILED-voice-card-${ctx.task.name.slice(0, 30)}.png`), fullPage: true });
  expect(consoleWatch.cspViolations.splice(0)).toEqual([]);
  expect(consoleWatch.uncaught.splice(0)).toEqual([]);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await gateway?.stop();
  await cartesia?.close();
}, 30_000);

/** The duration (s) of the sample the card shows, once the browser has decoded it. */
const sampleSeconds = () =>
  page.getByTestId("voice-sample").evaluate(
    (audio: HTMLAudioElement) =>
      new Promise<number>((resolve, reject) => {
        if (audio.readyState >= 1) return resolve(audio.duration);
        audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
        audio.addEventListener("error", () => reject(new Error(`audio error ${audio.error?.code}`)), { once: true });
      }),
  );

describe("the Voice card", () => {
  it("offers the agent's providers, plays a sample of a voice, and saves the service's voice settings", async () => {
    await page.goto(gateway.url);
    await page.getByLabel("Email").fill(account.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
    await page.getByRole("link", { name: /Voice line/ }).click();
    const card = page.locator(".card", { has: page.getByRole("heading", { name: "Voice", exact: true }) });
    await visible(card);
    const providerSelect = card.getByLabel("Speech provider");
    // The agent's own list: Cartesia (it has a key) and espeak-ng; no OpenAI or Deepgram without their keys.
    await expect.poll(() => providerSelect.locator("option").allTextContents()).toEqual(["Automatic (the fastest the agent has)", "Cartesia Sonic", "espeak-ng (offline)"]);

    await providerSelect.selectOption("cartesia");
    await card.getByLabel("Voice", { exact: true }).selectOption({ label: "Barbershop Man" });
    await card.getByRole("button", { name: "Play a sample" }).click();
    await visible(page.getByTestId("voice-sample"));
    expect(await sampleSeconds()).toBeGreaterThan(1.5);
    expect(cartesia.generations.at(-1)!.body).toMatchObject({ voice: { id: "a0e99841-438c-4a64-b679-ae501e7d6091" }, language: "en" });
    await expectAccessible(page, "voice-card");

    // The offline voice too, from the agent's espeak-ng.
    await providerSelect.selectOption("espeak");
    await card.getByLabel("Voice", { exact: true }).selectOption({ label: "Female" });
    await card.getByRole("button", { name: "Play a sample" }).click();
    await visible(page.getByText("Sample: espeak-ng (offline), Female"));
    expect(await sampleSeconds()).toBeGreaterThan(1.5);

    // Out-of-range values are caught before saving, in words.
    await card.getByLabel("Speaking rate").fill("3");
    await card.getByRole("button", { name: "Save voice" }).click();
    await visible(card.getByText("Enter a rate from 0.5 to 2."));
    await card.getByLabel("Speaking rate").fill("1");
    // Eager end of turn: empty is off; out of Flux's range is caught in words.
    expect(await card.getByLabel("Eager end of turn").inputValue()).toBe("");
    await card.getByLabel("Eager end of turn").fill("0.2");
    await card.getByRole("button", { name: "Save voice" }).click();
    await visible(card.getByText("Leave it empty (off) or enter a threshold from 0.3 to 0.9."));

    await providerSelect.selectOption("cartesia");
    await card.getByLabel("Voice", { exact: true }).selectOption({ label: "Barbershop Man" });
    await card.getByLabel("Speaking rate").fill("1.25");
    await card.getByLabel("End-of-turn threshold").fill("0.6");
    await card.getByLabel("Eager end of turn").fill("0.4");
    await card.getByRole("button", { name: "Save voice" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    const saved = await until(async () => {
      const s = (await request(`/api/v1/services/${account.serviceId}`, { key: account.key })).body;
      return s.ttsProvider === "cartesia" && s;
    }, 5000, "the saved settings");
    expect(saved).toMatchObject({ ttsProvider: "cartesia", ttsVoice: "a0e99841-438c-4a64-b679-ae501e7d6091", speakingRate: 1.25, endOfTurnThreshold: 0.6, eagerEndOfTurn: 0.4 });

    // A fresh visit shows what was saved.
    await page.reload();
    await expect.poll(() => card.getByLabel("Speech provider").inputValue()).toBe("cartesia");
    await expect.poll(() => card.getByLabel("Voice", { exact: true }).inputValue()).toBe("a0e99841-438c-4a64-b679-ae501e7d6091");
    expect(await card.getByLabel("Speaking rate").inputValue()).toBe("1.25");
    expect(await card.getByLabel("Eager end of turn").inputValue()).toBe("0.4");

    // Emptied: off again.
    await card.getByLabel("Eager end of turn").fill("");
    await card.getByRole("button", { name: "Save voice" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    await until(async () => (await request(`/api/v1/services/${account.serviceId}`, { key: account.key })).body.eagerEndOfTurn === "off", 5000, "eagerness off");
  });
});

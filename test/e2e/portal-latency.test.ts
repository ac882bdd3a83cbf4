import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBot } from "../support/fake-bot.ts";
import { expectAccessible, watchConsole } from "./browser-checks.ts";
import { type Gateway, callGateway, launchChromium, startGateway, until } from "./server.ts";
import { visible } from "./ui-expect.ts";

/** The portal's first load (code split) and the call page's latency waterfall, in Chromium against `npm start`'s server. */

const PASSWORD = "a long and careful password";
let gateway: Gateway;
let browser: Browser;
let bot: Awaited<ReturnType<typeof startFakeBot>>;

beforeAll(async () => {
  [gateway, browser, bot] = await Promise.all([startGateway({}, { agent: false }), launchChromium(), startFakeBot()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await bot?.close();
  await gateway?.stop();
}, 30_000);

describe("the portal's latency views, in Chromium", () => {
  it("the sign-in page loads neither LiveKit's client nor the chart library: prints its first-load JavaScript", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const scripts: { url: string; bytes: number; gzip: number }[] = [];
    page.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body();
      scripts.push({ url: response.url(), bytes: body.length, gzip: gzipSync(body).length });
    });
    await page.goto(`${gateway.url}/login`);
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await page.waitForLoadState("networkidle");
    const total = scripts.reduce((n, s) => n + s.bytes, 0);
    const gzip = scripts.reduce((n, s) => n + s.gzip, 0);
    console.log(`portal first load: ${scripts.length} script(s), ${(total / 1024).toFixed(0)} kB, ${(gzip / 1024).toFixed(0)} kB gzipped: ${scripts.map((s) => s.url.replace(/^.*\//, "")).join(", ")}`);
    expect(scripts.length).toBeGreaterThan(0);
    const names = scripts.map((s) => s.url).join(" ");
    expect(names).not.toMatch(/livekit|Monitoring|BrowserCall|chart/i);
    // Neither library's code is in what was loaded either (the chunks could be renamed).
    const code = (await Promise.all(scripts.map((s) => page.request.get(s.url).then((r) => r.text())))).join("\n");
    expect(code).not.toContain("livekit-client");
    expect(code).not.toMatch(/Chart\.register|chart\.js/);
    // The split is what keeps the first load down: it was one 748 kB script.
    expect(total).toBeLessThan(600 * 1024);
    await context.close();
  });

  it("draws each turn of a call as a waterfall, the bot's think time apart from ours", async () => {
    const email = `latency-${Date.now()}@example.com`;
    const account = await callGateway(gateway.url, "/api/v1/accounts", { method: "POST", json: { email, password: PASSWORD } });
    const key = account.body.apiKey as string;
    const service = await callGateway(gateway.url, "/api/v1/services", { method: "POST", key, json: { name: "Slow bot", language: "en-US" } });
    const configured = await callGateway(gateway.url, `/api/v1/services/${service.body.id}`, { method: "PATCH", key, json: { botUrl: `${bot.url}/bot/{conversation}` } });
    const token = configured.body.token as string;
    const call = await callGateway(gateway.url, `/api/v1/services/${service.body.id}/calls`, { method: "POST", key, json: { from: "+14155550100" } });
    const conversation = call.body.conversation as string;
    await callGateway(gateway.url, `/api/v1/calls/${conversation}/utterances`, { method: "POST", key, json: { text: "What time do you open?" } });
    const delivered = async () => ((await (await fetch(`${bot.url}/received/${conversation}`)).json()) as unknown[]).length >= 2;
    await until(delivered, 10_000, "the utterance at the bot");
    await new Promise((r) => setTimeout(r, 450)); // the bot thinks
    const sent = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${token}` },
      body: JSON.stringify({ conversation, body: "From noon." }),
    });
    expect(((await sent.json()) as { reason: string }).reason).toBe("delivered");
    await callGateway(gateway.url, `/api/v1/calls/${conversation}`, { method: "DELETE", key }); // its turns count for Monitoring
    const record = await callGateway(gateway.url, `/api/v1/calls/${conversation}`, { key });
    const turn = record.body.turns.find((t: { reply: number | null }) => t.reply !== null);
    expect(turn.spans.bot).toBeGreaterThanOrEqual(450);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const watch = await watchConsole(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${gateway.url}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
    await page.goto(`${gateway.url}/services/${service.body.id}/calls`);
    await page.getByRole("button", { name: "Transcript" }).first().click();
    const waterfall = page.getByTestId("waterfall");
    await visible(waterfall);
    const row = waterfall.getByTestId("waterfall-turn").filter({ hasText: "What time do you open?" });
    await visible(row);
    // The bot's bar is its think time, as on the call record; a simulated call has no speech bars.
    const botBar = row.getByTestId("bar-bot");
    expect(Number(await botBar.getAttribute("data-ms"))).toBe(turn.spans.bot);
    expect(await row.getByTestId("turn-bot").textContent()).toBe(`${turn.spans.bot} ms`);
    expect(await row.getByTestId("bar-stt").count()).toBe(0);
    expect(await row.getByTestId("bar-tts").count()).toBe(0);
    // Drawn: the bot's bar spans most of the turn and looks unlike ours.
    const track = await row.locator(".waterfall-track").boundingBox();
    const botBox = await botBar.boundingBox();
    const oursBox = await row.getByTestId("bar-gateway-in").boundingBox();
    expect(botBox!.width).toBeGreaterThan(track!.width * 0.5);
    // Ours comes before the bot's (a bar under 2 px is drawn 2 px wide, so it may reach 2 px further).
    expect(oursBox!.x + oursBox!.width).toBeLessThanOrEqual(botBox!.x + 2);
    // The time axis: ticks in ms from the caller's message (a simulated call has no speech end), each where its time
    // falls on the track: read off the ticks, the bot's bar runs from postedAt to replyAt.
    expect(await row.getByTestId("waterfall-axis").getAttribute("data-origin")).toBe("message");
    const ticks = await row.getByTestId("axis-tick").evaluateAll((els) =>
      els.map((el) => ({ ms: Number((el as HTMLElement).dataset.ms), x: el.getBoundingClientRect().left, text: el.textContent })),
    );
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) expect(tick.text).toBe(`${tick.ms} ms`);
    const [first, second, last] = [ticks[0]!, ticks[1]!, ticks.at(-1)!];
    expect(first.ms).toBe(0);
    expect(Math.abs(first.x - track!.x)).toBeLessThanOrEqual(1);
    const step = second.ms - first.ms;
    ticks.forEach((tick, i) => expect(tick.ms).toBe(i * step));
    const since = (iso: string) => Date.parse(iso) - Date.parse(turn.receivedAt);
    const turnEnd = since(turn.replyAt);
    expect(last.ms).toBeLessThanOrEqual(turnEnd);
    expect(last.ms + step).toBeGreaterThan(turnEnd);
    const pxPerMs = (last.x - first.x) / (last.ms - first.ms);
    const msAt = (x: number) => first.ms + (x - first.x) / pxPerMs;
    expect(Math.abs(msAt(botBox!.x) - since(turn.postedAt))).toBeLessThanOrEqual(1.5 / pxPerMs);
    expect(Math.abs(msAt(botBox!.x + botBox!.width) - turnEnd)).toBeLessThanOrEqual(1.5 / pxPerMs);
    expect(await row.getByText("ms after the caller’s message reached PhoneMyBot").count()).toBe(1);
    const look = (testId: string) => row.getByTestId(testId).evaluate((el) => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor);
    expect(await look("bar-bot")).not.toBe(await look("bar-gateway-in"));
    expect(await row.locator(".waterfall-spans").textContent()).toContain("Your bot");
    await expectAccessible(page, "call transcript with the latency waterfall");

    // Monitoring: today's p50 / p95 of the bot's think time, for the chosen period, as the API computes them.
    const today = new Date().toISOString().slice(0, 10);
    const latency = await until(async () => {
      const l = await callGateway(gateway.url, `/api/v1/services/${service.body.id}/latency?from=${today}&to=${today}`, { key });
      return l.body.days[0]?.spans.bot && l.body;
    }, 10_000, "today's latency");
    const botLatency = latency.days[0].spans.bot;
    expect(botLatency).toMatchObject({ count: 1, p50: turn.spans.bot, p95: turn.spans.bot });
    await page.getByRole("link", { name: "Monitoring" }).click();
    const day = page.getByTestId("latency-day").filter({ hasText: today });
    await visible(day);
    expect(await day.getByTestId("latency-bot").textContent()).toBe(`${botLatency.p50} ms / ${botLatency.p95} ms`);
    expect(await day.getByTestId("latency-gap").textContent()).toBe("—"); // no speech on a simulated call
    // Another period without turns says so.
    await page.getByLabel("From").fill("2020-01-01");
    await page.getByLabel("To").fill("2020-01-31");
    await page.getByRole("button", { name: "Show" }).click();
    await visible(page.getByText("No finished turns in this period."));
    await expectAccessible(page, "monitoring with latency per day");
    expect(watch.cspViolations).toEqual([]);
    expect(watch.uncaught).toEqual([]);
    await context.close();
  });
});

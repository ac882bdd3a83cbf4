import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeBot } from "../support/fake-bot.ts";
import { type ConsoleWatch, expectAccessible, watchConsole } from "./browser-checks.ts";
import { pageApiAt, signUpAt } from "./portal-session.ts";
import { type Gateway, artifactsDir, launchChromium, startGateway, until } from "./server.ts";
import { containsText, hasAttribute, hasCount, hasText, hidden, visible } from "./ui-expect.ts";

/**
 * The portal in a real Chromium against a real `wrangler dev`: one customer's whole journey, in order (each step
 * builds on the previous one), then a second customer who must not see the first one's service. Every screen passes
 * axe-core's WCAG 2.1 A/AA rules, and no page breaks the gateway's Content-Security-Policy.
 */

const PASSWORD = "a long and careful password";
const BOT_SECRET = "bot-secret-e2e-123";

let gateway: Gateway;
let browser: Browser;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;

const owner = { email: `owner-${Date.now()}@example.com`, apiKey: "", serviceId: "", tokens: [] as string[], testCall: "" };

async function shot(name: string, target: Page = page) {
  await target.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

const pageApi = (target: Page, method: string, path: string, body?: unknown) => pageApiAt(gateway.url, target, method, path, body);

async function botSends(conversation: string, token: string, message: Record<string, unknown>) {
  const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${token}` },
    body: JSON.stringify({ conversation, ...message }),
  });
  return ((await res.json()) as { reason: string }).reason;
}

async function currentToken(): Promise<string> {
  const token = await page.getByTestId("phonemybot-token").inputValue();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

const signUp = (target: Page, email: string) => signUpAt(gateway.url, target, email, PASSWORD);

beforeAll(async () => {
  await mkdir(artifactsDir, { recursive: true });
  [gateway, browser, bot] = await Promise.all([startGateway(), launchChromium(), startFakeBot()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  consoleWatch = await watchConsole(context);
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, 120_000);

afterEach(async (context) => {
  // What the page looked like when a step failed, to see why.
  if (context.task.result?.state === "fail") await page?.screenshot({ path: join(artifactsDir, `FAILED-${context.task.name.slice(0, 40)}.png`), fullPage: true });
  // Expected failures (a wrong password's 401) may log errors, but nothing may break the CSP or throw.
  expect(consoleWatch.cspViolations.splice(0)).toEqual([]);
  expect(consoleWatch.uncaught.splice(0)).toEqual([]);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await bot?.close();
  await gateway?.stop();
}, 30_000);

describe("the portal, in Chromium", () => {
  it("logs no error in a signed-out visitor's console (log-in, sign-up, a deep link)", async () => {
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const watch = await watchConsole(visitor);
    const visitorPage = await visitor.newPage();
    try {
      await visitorPage.goto(`${gateway.url}/services/svc_unknown/monitoring`);
      await visitorPage.getByRole("heading", { name: "Log in" }).waitFor();
      await visitorPage.waitForLoadState("networkidle");
      await visitorPage.getByRole("link", { name: "Create an account" }).click();
      await visitorPage.getByRole("heading", { name: "Create your account" }).waitFor();
      expect(watch).toEqual({ errors: [], uncaught: [], cspViolations: [] });
    } finally {
      await visitor.close();
    }
  });

  it("signs up, shows the first API key, and subscribes a service with a language", async () => {
    await page.goto(gateway.url);
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await expectAccessible(page, "log-in");
    await shot("01-login");
    await page.getByRole("link", { name: "Create an account" }).click();
    // Client-side validation speaks in words.
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await visible(page.getByText("Use at least 10 characters."));
    await expectAccessible(page, "sign-up, with a field error");
    await signUp(page, owner.email);
    owner.apiKey = await page.getByTestId("first-api-key").inputValue();
    expect(owner.apiKey).toMatch(/^pmbk_/);
    await visible(page.getByText("No subscriptions yet"));
    await expectAccessible(page, "services list, empty, with the first API key");

    await page.getByRole("button", { name: "+ New Subscription" }).click();
    await page.getByLabel("Service name").fill("Pizza Palace");
    await page.getByLabel("Language").selectOption("fr-FR");
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Pizza Palace" }).waitFor();
    owner.serviceId = new URL(page.url()).pathname.split("/")[2]!;
    expect(owner.serviceId).toMatch(/^svc_/);
    await visible(page.getByText("French (France)").first());
    await visible(page.getByText("Demo mode", { exact: true }).first());
    owner.tokens.push(await currentToken());
    await visible(page.getByText("This token changes at every reconfiguration"));
    await expectAccessible(page, "a new service's settings");

    await page.getByRole("link", { name: "‹ Services" }).click();
    await visible(page.getByRole("link", { name: /Pizza Palace/ }));
    await expectAccessible(page, "services list");
    await shot("02-services");
  });

  it("adds a phone number picked by country, validated and shown in international format; the token changes", async () => {
    await page.getByRole("link", { name: /Pizza Palace/ }).click();
    await page.getByLabel("Country").selectOption("GB");
    const number = page.getByLabel("Phone number", { exact: true });
    await number.fill("12");
    await number.blur();
    await visible(page.getByText("Too short for a United Kingdom number."));
    await expectAccessible(page, "numbers, with a field error");
    await page.getByRole("button", { name: "Add number" }).click();
    await hasCount(page.getByTestId("phone-number"), 0);

    await number.fill("020 7183 8750");
    await visible(page.getByText("Will be added as +44 20 7183 8750"));
    await page.getByRole("button", { name: "Add number" }).click();
    await hasText(page.getByTestId("phone-number"), ["+44 20 7183 8750"]);
    await visible(page.getByText("United Kingdom", { exact: true }));
    await expectAccessible(page, "numbers");
    const token = await currentToken();
    expect(token).not.toBe(owner.tokens.at(-1));
    owner.tokens.push(token);
    const stored = await pageApi(page, "GET", `/api/v1/services/${owner.serviceId}`);
    expect(stored.body.numbers).toEqual(["+442071838750"]);
  });

  it("edits the bot configuration: a new token is shown, and it is the one the gateway accepts", async () => {
    const botUrl = `${bot.url}/bot/{conversation}`;
    await page.getByRole("button", { name: "Edit bot configuration" }).click();
    await page.getByLabel("Bot URL").fill("not a url");
    await page.getByLabel("Bot security token").fill(BOT_SECRET);
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Enter the full address of your bot"));
    await expectAccessible(page, "bot configuration form, with a field error");
    await page.getByLabel("Bot URL").fill(botUrl);
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Bot configuration saved."));
    await hasText(page.getByTestId("bot-url"), botUrl);
    await visible(page.getByText("Bot connected").first());
    const token = await currentToken();
    expect(token).not.toBe(owner.tokens.at(-1));
    owner.tokens.push(token);
    await expectAccessible(page, "service settings with a bot");
    await shot("03-service-settings");

    // A call reaches the configured bot with its secret; the bot answers with the token the page shows.
    const placed = await pageApi(page, "POST", `/api/v1/services/${owner.serviceId}/calls`, { from: "+14155550100" });
    expect(placed.status).toBe(201);
    const conversation = placed.body.conversation as string;
    let received: { authorization: string | null }[] = [];
    for (let i = 0; i < 100 && received.length === 0; i++) {
      received = (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as typeof received;
      if (received.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(received[0]?.authorization).toBe(`Basic ${BOT_SECRET}`);
    expect(await botSends(conversation, owner.tokens.at(-2)!, { body: "stale" })).toBe("authorization fail");
    expect(await botSends(conversation, token, { body: "Bonjour !" })).toBe("delivered");
    expect((await pageApi(page, "DELETE", `/api/v1/calls/${conversation}`)).status).toBe(204);
  });

  it("resets demo mode after a confirmation", async () => {
    await page.getByRole("button", { name: "Reset demo mode" }).click();
    const dialog = page.getByRole("dialog", { name: "Reset demo mode?" });
    await visible(dialog);
    await expectAccessible(page, "reset demo mode confirmation");
    await shot("04-reset-demo-confirmation");
    // Cancelling changes nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await hidden(dialog);
    await hasText(page.getByTestId("bot-url"), `${bot.url}/bot/{conversation}`);

    await page.getByRole("button", { name: "Reset demo mode" }).click();
    await dialog.getByRole("button", { name: "Reset demo mode" }).click();
    await visible(page.getByText("The service is back in demo mode"));
    await containsText(page.getByTestId("bot-url"), "None");
    const token = await currentToken();
    expect(token).not.toBe(owner.tokens.at(-1));
    owner.tokens.push(token);
    const stored = await pageApi(page, "GET", `/api/v1/services/${owner.serviceId}`);
    expect(stored.body).toMatchObject({ demo: true, botUrl: null, botTokenSet: false });
  });

  it("runs the TEST flow with the simulated caller: PIN, caller words in the chat, reply to the caller, end call", async () => {
    await page.getByRole("link", { name: "Test chat" }).click();
    await page.getByRole("button", { name: "TEST", exact: true }).click();
    const pin = (await page.getByTestId("test-pin").innerText()).replace(/\D/g, "");
    expect(pin).toMatch(/^[0-9]{4}$/);
    await visible(page.getByText("Waiting for a call…"));
    await expectAccessible(page, "test chat, waiting for a call");
    await shot("05-test-chat-pin");

    await page.getByRole("button", { name: "Call the service" }).click();
    await visible(page.getByText("On a call to"));
    const wrong = String((Number(pin) + 1) % 10_000).padStart(4, "0");
    await page.getByLabel("Key in the PIN").fill(wrong);
    await page.getByRole("button", { name: "Key in" }).click();
    await visible(page.getByText("Wrong PIN. 2 attempts left."));
    await page.getByLabel("Key in the PIN").fill(pin);
    await page.getByRole("button", { name: "Key in" }).click();
    await visible(page.getByText("PIN accepted"));

    const chat = page.getByTestId("chat-log");
    await visible(page.getByText("Connected", { exact: true }));
    await page.getByLabel("Say something").fill("Une table pour deux, s'il vous plaît");
    await page.getByRole("button", { name: "Say", exact: true }).click();
    await visible(chat.getByText("Une table pour deux, s'il vous plaît"));

    const reply = page.getByLabel("Your reply, as the bot");
    await reply.fill("Pour quelle heure ?");
    await reply.press("Enter");
    await visible(chat.getByText("Pour quelle heure ?"));
    const callerLog = page.getByTestId("caller-log");
    await visible(callerLog.getByText("Pour quelle heure ?"));

    await page.getByLabel("Say something").fill("Vingt heures");
    await page.getByRole("button", { name: "Say", exact: true }).click();
    await visible(chat.getByText("Vingt heures"));
    await expectAccessible(page, "test chat, in a call");
    await shot("06-test-chat-conversation");

    await reply.fill("C'est noté. Au revoir !");
    await page.getByRole("button", { name: "End call" }).click();
    await visible(chat.getByText("Call ended: the bot ended the call."));
    await visible(page.getByText("The call ended: the bot ended the call."));
    await hidden(callerLog);
    await expectAccessible(page, "test chat, call ended");
    await shot("07-test-chat-ended");

    const calls = await pageApi(page, "GET", `/api/v1/services/${owner.serviceId}/calls`);
    owner.testCall = calls.body[0].conversation;
    const call = await pageApi(page, "GET", `/api/v1/calls/${owner.testCall}`);
    expect(call.body.state).toBe("ended");
    expect(call.body.endReason).toBe("bot_hangup");
    const last = call.body.messages.at(-1);
    expect(last).toMatchObject({ direction: "from_bot", body: "C'est noté. Au revoir !", last: true });
    expect(call.body.messages.filter((m: any) => m.direction === "to_bot" && m.body !== "").map((m: any) => m.body)).toEqual([
      "Une table pour deux, s'il vous plaît",
      "Vingt heures",
    ]);
  });

  it("lists the calls with their transcripts", async () => {
    await page.getByRole("link", { name: "Calls", exact: true }).click();
    const rows = page.getByTestId("call-row");
    await hasCount(rows, 2);
    await containsText(rows.first(), "+44 20 7183 8750");
    await containsText(rows.first(), "the bot ended the call");
    await containsText(rows.nth(1), "the caller hung up");
    await rows.first().getByRole("button", { name: "Transcript" }).click();
    const transcript = page.getByTestId("transcript");
    await containsText(transcript, "Une table pour deux, s'il vous plaît");
    await containsText(transcript, "C'est noté. Au revoir !");
    await expectAccessible(page, "calls, with a transcript open");
    await shot("08-calls");
  });

  it("shows the usage, peak, cost lines, change log, and a CSV download for the period", async () => {
    await page.getByRole("link", { name: "Monitoring" }).click();
    // Two calls today: the one to the bot and the TEST call, one after the other, each billed one minute.
    await hasText(page.getByTestId("stat-calls"), "2");
    await hasText(page.getByTestId("stat-minutes"), "2");
    await hasText(page.getByTestId("stat-peak"), "1");
    await hasText(page.getByTestId("stat-cost"), "€0.05");
    const cost = page.getByTestId("cost-table");
    await containsText(cost.getByRole("row", { name: /Calls/ }), "€0.02");
    await containsText(cost.getByRole("row", { name: /Voice minutes/ }), "€0.03");
    await containsText(cost.getByRole("row", { name: /Total/ }), "€0.05");
    await hasAttribute(page.getByTestId("usage-chart"), "aria-label", /2 calls over 30 days/);
    const log = page.getByTestId("change-log");
    await containsText(log, "Reset to demo mode");
    await containsText(log, "bot URL, bot security token");
    await containsText(log, "phone numbers");
    await expectAccessible(page, "monitoring, with data");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe("day,calls,billed_minutes,seconds,peak_simultaneous_calls,speech_recognition_seconds,speech_synthesis_characters");
    expect(lines).toHaveLength(32);
    const today = new Date().toISOString().slice(0, 10);
    expect(lines.find((l) => l.startsWith(today))).toMatch(new RegExp(`^${today},2,2,\\d+,1,0,0$`));
    expect(lines.at(-1)).toMatch(/^total,2,2,\d+,1,0,0$/);

    // A period without calls is shown as such.
    await page.getByLabel("From", { exact: true }).fill("2020-01-01");
    await page.getByLabel("To", { exact: true }).fill("2020-01-31");
    await page.getByRole("button", { name: "Show" }).click();
    await hasText(page.getByTestId("stat-calls"), "0");
    await visible(page.getByText("No calls in this period."));
    await expectAccessible(page, "monitoring, a period without calls");
    await page.getByRole("button", { name: "30 days" }).click();
    await hasText(page.getByTestId("stat-calls"), "2");
    await shot("09-monitoring");
  });

  it("shows the Call from browser tab before a call", async () => {
    await page.getByRole("link", { name: "Call from browser" }).click();
    await visible(page.getByText("The transcript appears here during the call."));
    await visible(page.getByRole("button", { name: "Call", exact: true }));
    await expectAccessible(page, "call from browser, before a call");
  });

  it("issues and revokes API keys", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("button", { name: "Issue a new key" }).click();
    const fresh = await page.getByTestId("new-api-key").inputValue();
    expect(fresh).toMatch(/^pmbk_/);
    const firstId = owner.apiKey.split("_")[1]!;
    await page.getByRole("button", { name: `Revoke key ${firstId}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await visible(page.getByText(`Key ${firstId} was revoked`));
    await expectAccessible(page, "API keys");
    await shot("10-api-keys");
    const withOld = await fetch(`${gateway.url}/api/v1/services`, { headers: { authorization: `Bearer ${owner.apiKey}` } });
    expect(withOld.status).toBe(401);
    const withNew = await fetch(`${gateway.url}/api/v1/services`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(((await withNew.json()) as { id: string }[]).map((s) => s.id)).toEqual([owner.serviceId]);
  });

  it("logs out, refuses a wrong password in words, and logs back in", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    expect((await pageApi(page, "GET", "/api/v1/services")).status).toBe(401);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Log in" }).click();
    await visible(page.getByText("That email and password do not match an account."));
    await expectAccessible(page, "log-in, with a wrong password");
    await shot("11-login-error");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();

    await page.goto(`${gateway.url}/no/such/page`);
    await visible(page.getByRole("heading", { level: 1, name: "Page not found" }));
    await expectAccessible(page, "page not found");
  });

  it("keeps a second account out of the first one's service", async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const otherWatch = await watchConsole(other);
    const otherPage = await other.newPage();
    try {
      await signUp(otherPage, `other-${Date.now()}@example.com`);
      await visible(otherPage.getByText("No subscriptions yet"));
      await otherPage.goto(`${gateway.url}/services/${owner.serviceId}`);
      await visible(otherPage.getByRole("heading", { level: 1, name: "Service not found" }));
      await expectAccessible(otherPage, "service not found");
      await hasCount(otherPage.getByText("Pizza Palace"), 0);
      await otherPage.goto(`${gateway.url}/services/${owner.serviceId}/monitoring`);
      await visible(otherPage.getByRole("heading", { level: 1, name: "Service not found" }));
      await shot("12-other-account-not-found", otherPage);
      expect((await pageApi(otherPage, "GET", `/api/v1/services/${owner.serviceId}`)).status).toBe(404);
      expect((await pageApi(otherPage, "GET", `/api/v1/services/${owner.serviceId}/usage`)).status).toBe(404);
      expect((await pageApi(otherPage, "GET", `/api/v1/calls/${owner.testCall}`)).status).toBe(404);
      expect((await pageApi(otherPage, "POST", `/api/v1/services/${owner.serviceId}/test-sessions`)).status).toBe(404);
      expect((await pageApi(otherPage, "DELETE", `/api/v1/services/${owner.serviceId}`)).status).toBe(404);
      expect((await pageApi(page, "GET", `/api/v1/services/${owner.serviceId}`)).status).toBe(200);
      expect(otherWatch.cspViolations).toEqual([]);
      expect(otherWatch.uncaught).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("sets up transfers (a rule that could backtrack is refused in words) and shows a call's transfers in the calls list and detail", async () => {
    await page.goto(`${gateway.url}/services/${owner.serviceId}`);
    const card = page.getByTestId("transfers-card");
    await visible(card);
    await card.getByLabel("Allowed destinations").fill("+1415");
    await card.getByRole("button", { name: "Add a rule" }).click();
    await card.getByLabel("Pattern").fill("(a+)+$");
    await card.getByLabel("Transfer to").fill("+14155550100");
    await card.getByLabel("Wait (seconds)").fill("0");
    await card.getByLabel("Failure sentence").fill("Sorry, nobody can take your call right now.");
    await card.getByRole("button", { name: "Save transfers" }).click();
    await visible(card.getByText("could backtrack catastrophically"));
    await expectAccessible(page, "transfers card, with a rule refused");
    await card.getByLabel("Pattern").fill("speak to a person");
    await card.getByRole("button", { name: "Save transfers" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));
    const saved = await pageApi(page, "GET", `/api/v1/services/${owner.serviceId}`);
    expect(saved.body).toMatchObject({
      transferDestinations: ["+1415"],
      transferRules: [{ pattern: "speak to a person", to: "+14155550100", waitSeconds: 0 }],
      transferFailedMessage: "Sorry, nobody can take your call right now.",
    });
    await shot("17-transfers-card");
    const token = await currentToken();
    owner.tokens.push(token);

    // A simulated call: a transfer by hints to the busy test range fails, then the rule transfers the caller.
    const placed = await pageApi(page, "POST", `/api/v1/services/${owner.serviceId}/calls`, { from: "+14155550123" });
    const conversation = placed.body.conversation as string;
    const busy = { telephony: { action: "transfer", info: { called: "+14155550486" } } };
    expect(await botSends(conversation, token, { body: "Let me get someone.", hints: JSON.stringify(busy) })).toBe("delivered");
    expect(await botSends(conversation, token, { body: "You can speak to a person now." })).toBe("delivered");
    await until(async () => (await pageApi(page, "GET", `/api/v1/calls/${conversation}`)).body.endReason === "transferred", 15_000, "transferred");

    await page.getByRole("link", { name: "Calls", exact: true }).click();
    const row = page.getByTestId("call-row").first();
    await containsText(row, "the caller was transferred");
    await hasText(row.getByTestId("call-transfer"), "Transferred to +14155550100");
    await row.getByRole("button", { name: "Transcript" }).click();
    await hasText(page.getByTestId("call-detail-transfer"), "Transferred to +14155550100");
    const transcript = page.getByTestId("transcript");
    await containsText(transcript, "(told: transfer to +14155550486 failed: busy (SIP 486))");
    await containsText(transcript, "(told: transferred to +14155550100)");
    await expectAccessible(page, "calls, with a transferred call open");
    await shot("18-calls-transfer");

    // In the test chat, the bot's <transfer> is simulated too, and the chat shows what the bot was told.
    await page.getByRole("link", { name: "Test chat" }).click();
    await page.getByRole("button", { name: "TEST", exact: true }).click();
    const pin = (await page.getByTestId("test-pin").innerText()).replace(/\D/g, "");
    await page.getByRole("button", { name: "Call the service" }).click();
    await visible(page.getByText("On a call to"));
    await page.getByLabel("Key in the PIN").fill(pin);
    await page.getByRole("button", { name: "Key in" }).click();
    await visible(page.getByText("PIN accepted"));
    const chat = page.getByTestId("chat-log");
    const reply = page.getByLabel("Your reply, as the bot");
    await reply.fill(`One moment. <transfer referto="+14155550486"/>`);
    await reply.press("Enter");
    await visible(chat.getByText("(told: transfer to +14155550486 failed: busy (SIP 486))"));
    await reply.fill(`Putting you through. <transfer referto="+14155550100"/>`);
    await reply.press("Enter");
    await visible(chat.getByText("Call ended: the caller was transferred."));
    await expectAccessible(page, "test chat, transferred");
    await shot("19-test-chat-transferred");
  });

  it("is readable on a phone-sized screen", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(await context.cookies());
    const phonePage = await phone.newPage();
    try {
      for (const [path, name] of [
        [`/services/${owner.serviceId}`, "13-phone-service-settings"],
        [`/services/${owner.serviceId}/test`, "14-phone-test-chat"],
        [`/services/${owner.serviceId}/calls`, "15-phone-calls"],
        [`/services/${owner.serviceId}/monitoring`, "16-phone-monitoring"],
      ] as const) {
        await phonePage.goto(`${gateway.url}${path}`);
        await phonePage.getByRole("heading", { level: 1, name: "Pizza Palace" }).waitFor();
        await phonePage.waitForLoadState("networkidle");
        const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
        await shot(name, phonePage);
      }
    } finally {
      await phone.close();
    }
  });

  it("hangs up the test chat's simulated call when the user leaves the page or closes the tab; the bot gets last", async () => {
    // A bot of our own, to read what it received.
    const configured = await pageApi(page, "PATCH", `/api/v1/services/${owner.serviceId}`, { botUrl: `${bot.url}/bot/{conversation}`, botToken: BOT_SECRET });
    expect(configured.status).toBe(200);
    const placeCall = async (target: Page) => {
      await target.goto(`${gateway.url}/services/${owner.serviceId}/test`);
      const [placed] = await Promise.all([
        target.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/api/v1/services/${owner.serviceId}/calls`)),
        target.getByRole("button", { name: "Call the service" }).click(),
      ]);
      await visible(target.getByText("On a call to"));
      return ((await placed.json()) as { conversation: string }).conversation;
    };
    const hungUpByCaller = async (conversation: string) => {
      const call = await until(async () => {
        const read = await pageApi(page, "GET", `/api/v1/calls/${conversation}`);
        return read.body.state === "ended" && read.body;
      }, 15_000, `call ${conversation} ended`);
      expect(call.endReason).toBe("caller_hangup");
      await until(
        async () => ((await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: { last?: string } }[]).some((r) => r.message.last === "true"),
        15_000,
        `the bot got last on ${conversation}`,
      );
    };

    // Another page of the portal: the chat unmounts.
    const left = await placeCall(page);
    await page.getByRole("link", { name: "Calls", exact: true }).click();
    await hungUpByCaller(left);

    // The tab closes.
    const tab = await context.newPage();
    const closed = await placeCall(tab);
    await tab.close({ runBeforeUnload: true });
    await hungUpByCaller(closed);

    // Logging out leaves the page too, but the session is gone by then: the hang-up fails, and says nothing.
    await placeCall(page);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await page.waitForLoadState("networkidle");
    await hasCount(page.getByText("Your session has ended"), 0);
  });
});

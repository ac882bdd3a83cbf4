import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkLocalCallTicket } from "../../protocol/local-call-ticket.ts";
import { LocalCaller, browserCall } from "../agent/local-caller.ts";
import { startFakeBot } from "../support/fake-bot.ts";
import { expectData } from "../../client/index.ts";
import { artifactsDir, callRecord, type Gateway, launchChromium, newAccount, newService, startGateway, until } from "./server.ts";
import { containsText, visible } from "./ui-expect.ts";

/**
 * The portal's "Call from browser" over the local transport (`npm start` runs the agent next to the gateway), in a
 * real Chromium with a fake microphone: the call reaches the bot, the bot's reply shows in the live transcript, and
 * hanging up ends the conversation at the bot. The page runs under a strict Content-Security-Policy (no inline or
 * eval'd script), which its audio worklet must satisfy.
 */

const PASSWORD = "browser call password";
const BOT_SECRET = "bot-secret-browser-call";
const AGENT_SECRET = `browser-call-${crypto.randomUUID()}`;
const CSP = "script-src 'self'; worker-src 'self' blob:";
/** What the page's console said about the policy. */
const violations: string[] = [];

let gateway: Gateway;
let browser: Browser;
let bot: Awaited<ReturnType<typeof startFakeBot>>;
let context: BrowserContext;
let page: Page;

/** A browser tab with a microphone, on the portal's pages under the strict policy (whatever the gateway sends). */
async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  // A document fulfilled by the route below has no address, so Chromium counts it as public and blocks its socket
  // to the loopback agent unless allowed; the gateway's own page (loopback to loopback) needs no such grant.
  await context.grantPermissions(["microphone", "local-network-access"], { origin: gateway.url });
  await context.route(`${gateway.url}/**`, async (route) => {
    if (route.request().resourceType() !== "document") return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": CSP } });
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  page.setDefaultTimeout(20_000);
  return { context, page };
}

/** A new account with a service in `language` whose bot is the fake bot. */
async function newLine(name: string, language: string) {
  const account = await newAccount(gateway.url, "browser-call", PASSWORD);
  const service = await newService(account.api, { name, language, botUrl: `${bot.url}/bot/{conversation}`, botToken: BOT_SECRET });
  return { email: account.email, key: account.apiKey, api: account.api, accountId: account.id, serviceId: service.id, token: service.token };
}

/** Logs `page` in as `email` and opens the Call-from-browser tab of service `name`. */
async function openCallTab(page: Page, email: string, name: string) {
  await page.goto(gateway.url);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
  await page.getByRole("link", { name: new RegExp(name) }).click();
  await page.getByRole("link", { name: "Call from browser" }).click();
  await visible(page.getByRole("button", { name: "Call", exact: true }));
}

const received = async (conversation: string) =>
  (await (await fetch(`${bot.url}/received/${conversation}`)).json()) as { message: Record<string, unknown> }[];

beforeAll(async () => {
  await mkdir(artifactsDir, { recursive: true });
  process.env.AGENT_SECRET = AGENT_SECRET; // npm start's, so that the tickets can be read here
  [gateway, browser, bot] = await Promise.all([
    startGateway(),
    launchChromium(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]),
    startFakeBot(),
  ]);
  ({ context, page } = await newPage());
}, 120_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail") await page?.screenshot({ path: join(artifactsDir, "FAILED-browser-call.png"), fullPage: true });
});

afterAll(async () => {
  delete process.env.AGENT_SECRET;
  await context?.close();
  await browser?.close();
  await bot?.close();
  await gateway?.stop();
}, 30_000);

describe("Call from browser (local transport)", () => {
  it("calls the bot from the portal, shows its reply live, and hangs up", async () => {
    const { email, api, accountId, serviceId, token } = await newLine("Browser line", "en-US");
    expect((await api.GET("/api/v1/voice/config")).data).toMatchObject({ mode: "local" });
    await openCallTab(page, email, "Browser line");
    // The policy is in force, and its refusals are seen here.
    const inline = await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.inlineRan = 'yes'";
      document.head.append(script);
      return document.body.dataset.inlineRan ?? "refused";
    });
    expect(inline).toBe("refused");
    await until(async () => violations.length > 0, 5000, "the refusal reported");
    violations.length = 0;
    // The keypad waits for a call.
    await expect(page.getByRole("button", { name: "Key 5" }).isDisabled()).resolves.toBe(true);

    await page.getByRole("button", { name: "Call", exact: true }).click();
    const marker = page.getByTestId("browser-call-conversation");
    await marker.waitFor({ timeout: 30_000 });
    const conversation = (await marker.getAttribute("data-conversation"))!;
    expect(conversation).toBeTruthy();

    // The bot is told about the new conversation.
    const first = await until(async () => (await received(conversation)).find((r) => r.message.new === "true" || r.message.new === true), 20_000, "the new message");
    expect(first.message.conversation).toBe(conversation);
    expect(first.message.from).toBe(`browser-${accountId}`); // the gateway's choice, in the ticket

    // The bot's reply is spoken and shows in the live transcript.
    const sent = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${token}` },
      body: JSON.stringify({ conversation, body: "Hello from the fake bot. I will read you the whole menu now, slowly." }),
    });
    expect(((await sent.json()) as { reason: string }).reason).toBe("delivered");
    const transcript = page.getByTestId("browser-call-transcript");
    await containsText(transcript, "Hello from the fake bot");
    // The playback worklet plays the agent's audio.
    await visible(page.getByText("Bot speaking…"));

    // The keypad sends DTMF during the call.
    await page.getByRole("button", { name: "Key 5" }).click();
    await containsText(transcript, "You pressed 5");
    await page.keyboard.press("#"); // the keyboard's keys press the keypad too
    await containsText(transcript, "You pressed #");
    await page.getByRole("button", { name: "Mute" }).click();
    await visible(page.getByText("In call (muted)"));
    await page.getByRole("button", { name: "Unmute" }).click();
    await page.screenshot({ path: join(artifactsDir, "browser-call.png"), fullPage: true });
    // All of the above takes well under a second: stay on the line long enough for the microphone's audio to count
    // in whole seconds (a call of half a second once showed none).
    await page.waitForTimeout(3000);

    await page.getByRole("button", { name: "Hang up" }).click();
    await visible(page.getByText(/Call ended/));
    await until(async () => (await received(conversation)).find((r) => r.message.last === "true" || r.message.last === true), 20_000, "the last message");
    await visible(page.getByText("Call ended: the caller hung up"));
    await visible(page.getByRole("button", { name: "Call again" }));
    // The capture worklet sent the microphone all along: the agent fed it to the recognizer for most of the call.
    const call = expectData(await api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } }), "reading the call");
    const seconds = (Date.parse(call.endedAt!) - Date.parse(call.startedAt)) / 1000;
    const usage = await until(async () => {
      const body = expectData(await api.GET("/api/v1/services/{id}/usage", { params: { path: { id: serviceId } } }), "reading the usage");
      return body.sttSeconds > 0 && body;
      // A loaded machine (CI) once took longer than 10 s here; see the note on #13.
    }, 30_000, "speech-to-text seconds in the usage");
    expect(usage.sttSeconds).toBeGreaterThanOrEqual(Math.floor(seconds / 2));
    expect(violations).toEqual([]);
    await page.screenshot({ path: join(artifactsDir, "browser-call-ended.png"), fullPage: true });
  }, 120_000);

  it("says when the service's language has no offline recognizer", async () => {
    // npm start's agent runs offline speech here (no Deepgram key): pocketsphinx only understands English.
    const { email } = await newLine("Ligne française", "fr-FR");
    const tab = await newPage();
    try {
      await openCallTab(tab.page, email, "Ligne française");
      await tab.page.getByRole("button", { name: "Call", exact: true }).click();
      await visible(tab.page.getByText(/only understands English: what you say in French \(France\) will not be understood/));
      await tab.page.screenshot({ path: join(artifactsDir, "browser-call-offline-language.png"), fullPage: true });
      await tab.page.getByRole("button", { name: "Hang up" }).click();
      await visible(tab.page.getByText(/Call ended/));
    } finally {
      await tab.context.close();
    }
    // An English service says nothing of the kind (the first test's call).
    expect(await page.getByText(/only understands English/).count()).toBe(0);
  }, 120_000);

  it("shows the transfers the bot asks for: the busy test range fails and the call goes on, then the caller is transferred", async () => {
    const { email, api, serviceId } = await newLine("Transfer line", "en-US");
    const configured = await api.PATCH("/api/v1/services/{id}", { params: { path: { id: serviceId } }, body: { transferDestinations: ["+1415"] } });
    expect(configured.response.status).toBe(200);
    const token = configured.data!.token;
    const tab = await newPage();
    try {
      await openCallTab(tab.page, email, "Transfer line");
      await tab.page.getByRole("button", { name: "Call", exact: true }).click();
      const marker = tab.page.getByTestId("browser-call-conversation");
      await marker.waitFor({ timeout: 30_000 });
      const conversation = (await marker.getAttribute("data-conversation"))!;
      const send = async (message: Record<string, unknown>) => {
        const sent = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Basic ${token}` },
          body: JSON.stringify({ conversation, ...message }),
        });
        expect(((await sent.json()) as { reason: string }).reason).toBe("delivered");
      };
      const transcript = tab.page.getByTestId("browser-call-transcript");
      await send({ body: "Let me find someone.", hints: { telephony: { action: "transfer", info: { called: "+14155550486" } } } });
      await containsText(transcript, "Transfer to +14155550486 failed: busy");
      await send({ body: `Putting you through. <transfer referto="+14155550100"/>` });
      await containsText(transcript, "Transferred to +14155550100 (simulated)");
      await visible(tab.page.getByText("Call ended: the caller was transferred"));
      await tab.page.screenshot({ path: join(artifactsDir, "browser-call-transferred.png"), fullPage: true });
      const call = await callRecord(api, conversation);
      expect(call).toMatchObject({ endReason: "transferred", transfer: { to: "+14155550100", result: "transferred" } });
    } finally {
      await tab.context.close();
    }
  }, 120_000);

  it("issues a ticket for one call on the service, as the account, from the portal's origin, for 2 minutes", async () => {
    const { key, api, accountId, serviceId } = await newLine("Ticket line", "en-US");
    const before = Date.now();
    const answer = await browserCall(gateway.url, key, serviceId);
    expect(answer.agentUrl).toBe((await api.GET("/api/v1/voice/config")).data?.agentUrl);
    const checked = await checkLocalCallTicket(AGENT_SECRET, answer.ticket);
    expect(checked).toMatchObject({ ok: true, claims: { serviceId, from: `browser-${accountId}`, origin: gateway.url } });
    const expiresAt = Date.parse(answer.expiresAt);
    expect(checked.ok && checked.claims.expiresAt).toBe(expiresAt);
    expect(expiresAt - before).toBeGreaterThan(110_000);
    expect(expiresAt - before).toBeLessThanOrEqual(120_000 + (Date.now() - before));

    // npm start's agent takes it once, and only from the portal's origin when it comes from a web page.
    const elsewhere = new LocalCaller(answer.agentUrl, answer.ticket, { origin: "http://evil.example" });
    expect(await elsewhere.closed).toEqual({ code: 1008, reason: "origin not allowed" });
    const caller = new LocalCaller(answer.agentUrl, answer.ticket, { origin: gateway.url });
    await until(async () => caller.event("started"), 20_000, "the call to start");
    const again = new LocalCaller(answer.agentUrl, answer.ticket);
    expect(await again.closed).toEqual({ code: 1008, reason: "ticket already used" });
    caller.hangUp();
    await caller.closed;
  }, 60_000);

  it("answers a call the bot started with the microphone: the Test chat's incoming call leads here, and the bot's body is heard", async () => {
    const { email, api, serviceId } = await newLine("Outbound line", "en-US");
    const number = `+1415${2_000_000 + Math.floor(Math.random() * 8_000_000)}`;
    const patched = await api.PATCH("/api/v1/services/{id}", {
      params: { path: { id: serviceId } },
      body: { numbers: [number], outbound: { enabled: true, destinations: ["+33"] } },
    });
    expect(patched.response.status).toBe(200);
    const conversation = `browser-outbound-${Date.now()}`;
    const placed = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${patched.data!.token}` },
      body: JSON.stringify({ new: true, to: "+33142685300", body: "Hello, your bot is calling you." }),
    });
    expect(((await placed.json()) as { reason: string }).reason).toBe("delivered");

    // Another person's browser: a fresh context, logged in as this line's owner.
    const { context: theirs, page } = await newPage();
    await openCallTab(page, email, "Outbound line");
    await page.getByRole("link", { name: "Test chat" }).click();
    await page.getByTestId("incoming-calls").getByRole("button", { name: "Answer with microphone" }).click();
    await visible(page.getByText("Your bot is calling. Answer to take the call with your microphone"));
    await page.getByRole("button", { name: "Answer", exact: true }).click();
    const marker = page.getByTestId("browser-call-conversation");
    await marker.waitFor({ timeout: 30_000 });
    expect(await marker.getAttribute("data-conversation")).toBe(conversation);
    await containsText(page.getByTestId("browser-call-transcript"), "Hello, your bot is calling you.");
    expect((await api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } })).data).toMatchObject({ state: "active", direction: "outbound" });
    await page.getByRole("button", { name: "Hang up" }).click();
    await until(async () => (await received(conversation)).some((r) => r.message.last === "true"), 20_000, "the bot's last");
    await theirs.close();
  });
});

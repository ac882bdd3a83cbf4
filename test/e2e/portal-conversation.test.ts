import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleWatch, expectAccessible, watchConsole } from "./browser-checks.ts";
import { type Gateway, artifactsDir, launchChromium, startGateway } from "./server.ts";
import { visible } from "./ui-expect.ts";
import { messagingClient } from "../../client/index.ts";
import { SPEECH_CONTEXTS, SPEECH_CONTEXT_CATALOGUE } from "../../protocol/speech-contexts.ts";

/** The service page's "Conversation" card (protocol/settings/conversation.ts) in a real Chromium against `wrangler dev`. */

const PASSWORD = "a long and careful password";

let gateway: Gateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;

async function serviceOverApi(id: string) {
  const res = await page.request.get(`${gateway.url}/api/v1/services/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  await mkdir(artifactsDir, { recursive: true });
  [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  consoleWatch = await watchConsole(context);
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await gateway?.stop();
}, 30_000);

describe("the portal's conversation settings, in Chromium", () => {
  it("shows every setting with its default, names a bad field, saves every setting and shows them again after a reload", async () => {
    await page.goto(`${gateway.url}/signup`);
    await page.getByLabel("Email").fill(`conversation-${Date.now()}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Confirm password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
    await page.getByRole("button", { name: "+ New Subscription" }).click();
    await page.getByLabel("Service name").fill("Trattoria");
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Trattoria" }).waitFor();
    const serviceId = new URL(page.url()).pathname.split("/")[2]!;

    const card = page.getByRole("form", { name: "Conversation settings" });
    await card.scrollIntoViewIfNeeded();
    // Defaults: today's behaviour.
    expect(await card.getByLabel("Reprompt after silence (seconds)").inputValue()).toBe("0");
    expect(await card.getByLabel("Holding message after (seconds)").inputValue()).toBe("8");
    expect(await card.getByLabel("What interrupts the bot").inputValue()).toBe("any");
    expect(await card.getByLabel("A reply to an older turn").inputValue()).toBe("speak");
    expect(await card.getByLabel(/Turn yeah, yep, sure/).isChecked()).toBe(false);
    await expectAccessible(page, "the conversation settings card");

    // The speech contexts a bot can name, from the catalogue, next to the speech hints.
    const contexts = card.getByRole("list", { name: "Speech contexts" });
    expect(await contexts.isVisible()).toBe(false);
    await card.getByText("Speech contexts a bot message can name").click();
    await visible(contexts);
    const items = await contexts.getByRole("listitem").allTextContents();
    expect(items.map((item) => item.split(":")[0])).toEqual([...SPEECH_CONTEXTS]);
    expect(items[0]).toBe(`digits: ${SPEECH_CONTEXT_CATALOGUE.digits.description}`);
    await visible(card.getByText('What is your account number? <context name="digits"/>'));
    await expectAccessible(page, "the conversation settings card, speech contexts open");

    // A bad regular expression and an out-of-range time come back named on their fields.
    await card.getByLabel("Repeat when the caller says").fill("say (that again");
    await card.getByLabel("Reprompt after silence (seconds)").fill("500");
    await card.getByRole("button", { name: "Save conversation settings" }).click();
    await visible(card.getByText("not a valid regular expression"));
    await visible(card.getByText(/0 \(off\) or from 1 to 120 seconds/));
    await expectAccessible(page, "the conversation settings card, with field errors");

    await card.getByLabel("Greeting while the bot thinks").fill("Hello, one moment please.");
    await card.getByLabel("Reprompt after silence (seconds)").fill("6");
    await card.getByLabel("Reprompts", { exact: true }).fill("Are you there?\nHello?");
    await card.getByLabel("Reprompts at most").fill("3");
    await card.getByLabel(/End the call after the last reprompt/).check();
    await card.getByLabel(/Tell the bot of each reprompt/).check();
    await card.getByLabel("Holding message after (seconds)").fill("4");
    await card.getByLabel("Holding messages").fill("Let me check.");
    await card.getByLabel("Apologize after (seconds)").fill("30");
    await card.getByLabel("Apology", { exact: true }).fill("Sorry, please call back.");
    await card.getByLabel("End the call after the apology").check();
    await card.getByLabel("No-match below confidence").fill("0.4");
    await card.getByLabel("No-match messages").fill("Sorry?");
    await card.getByLabel(/Turn yeah, yep, sure/).check();
    await card.getByLabel("More words for yes").fill("roger");
    await card.getByLabel("More words for no").fill("negative");
    await card.getByLabel("Repeat when the caller says").fill("repeat|say that again|pardon");
    await card.getByLabel("What interrupts the bot").selectOption("speech");
    await card.getByLabel("Speech hints").fill("Margherita\ncalzone");
    await card.getByLabel(/Tell the bot when each message has played/).check();
    await card.getByLabel("A reply to an older turn").selectOption("drop");
    await card.getByRole("button", { name: "Save conversation settings" }).click();
    await visible(card.getByText("Saved. A new PhoneMyBot token was issued."));

    const expected = {
      greeting: "Hello, one moment please.",
      silenceSeconds: 6,
      silenceMessages: ["Are you there?", "Hello?"],
      silenceMaxReprompts: 3,
      silenceEndsCall: true,
      silenceNotifyBot: true,
      botSlowSeconds: 4,
      botSlowMessages: ["Let me check."],
      botGiveUpSeconds: 30,
      botGiveUpMessage: "Sorry, please call back.",
      botGiveUpEndsCall: true,
      noMatchConfidence: 0.4,
      noMatchMessages: ["Sorry?"],
      yesNoAlternatives: true,
      yesWords: ["roger"],
      noWords: ["negative"],
      repeatPattern: "repeat|say that again|pardon",
      bargeIn: "speech",
      speechKeyterms: ["Margherita", "calzone"],
      endOfPromptNotice: true,
      staleReplies: "drop",
    };
    expect(await serviceOverApi(serviceId)).toMatchObject(expected);

    await page.reload();
    const again = page.getByRole("form", { name: "Conversation settings" });
    expect(await again.getByLabel("Reprompts", { exact: true }).inputValue()).toBe("Are you there?\nHello?");
    expect(await again.getByLabel("What interrupts the bot").inputValue()).toBe("speech");
    expect(await again.getByLabel("A reply to an older turn").inputValue()).toBe("drop");
    expect(await again.getByLabel(/Tell the bot when each message has played/).isChecked()).toBe(true);
    // What the form shows is what is stored: nothing to save.
    expect(await again.getByRole("button", { name: "Save conversation settings" }).isDisabled()).toBe(true);
    expect(consoleWatch.cspViolations).toEqual([]);
    expect(consoleWatch.uncaught).toEqual([]);
  });

  it("shows on the call's transcript a speech context the catalogue does not know", async () => {
    // A simulated call answered through the send API, as the owner may in demo mode, with the PATCH's new token.
    const serviceId = new URL(page.url()).pathname.split("/")[2]!;
    const session = await page.request.get(`${gateway.url}/api/v1/session`);
    const headers = { "x-csrf-token": ((await session.json()) as { csrfToken: string }).csrfToken, "content-type": "application/json" };
    const patched = await page.request.patch(`${gateway.url}/api/v1/services/${serviceId}`, { headers, data: JSON.stringify({ name: "Trattoria" }) });
    const { token } = (await patched.json()) as { token: string };
    const started = await page.request.post(`${gateway.url}/api/v1/services/${serviceId}/calls`, { headers, data: JSON.stringify({ from: "+14155550123" }) });
    expect(started.status()).toBe(201);
    const { conversation } = (await started.json()) as { conversation: string };
    const sent = await messagingClient(gateway.url, token).POST("/cloudengine/rest/voicebot/send/{conversation}", {
      params: { path: { conversation } },
      body: { conversation, body: 'Your star sign? <context name="horoscope"/>', last: false },
    });
    expect(sent.data).toEqual({ success: true, reason: "delivered" });

    await page.goto(`${gateway.url}/services/${serviceId}/calls`);
    await page.getByTestId("call-row").first().getByRole("button", { name: "Transcript" }).click();
    const transcript = page.getByTestId("transcript");
    await visible(transcript.getByText("unknown speech context ignored: horoscope"));
    await expectAccessible(page, "calls, with an unknown speech context");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDirectLine, DIRECT_LINE_SECRET } from "../support/platforms/fake-directline.ts";
import { startFakeRasa } from "../support/platforms/fake-rasa.ts";
import { expectAccessible } from "./browser-checks.ts";
import { portalSuite } from "./portal-suite.ts";
import { until } from "./server.ts";
import { containsText, hasText, visible } from "./ui-expect.ts";

/**
 * The bot configuration in a real Chromium against `npm start`'s gateway: a customer switches a service to a Rasa
 * bot and then to a Bot Framework bot (Direct Line) by filling in the form, and the simulated caller of the Test
 * chat talks to each through the gateway's adaptor (loopback fakes of both platforms).
 */

const portal = portalSuite("platforms");
let rasa: Awaited<ReturnType<typeof startFakeRasa>>;
let directLine: Awaited<ReturnType<typeof startFakeDirectLine>>;
let serviceId = "";

beforeAll(async () => {
  [rasa, directLine] = await Promise.all([startFakeRasa(), startFakeDirectLine()]);
  await portal.signUp("platforms");
  const created = await portal.api("POST", "/api/v1/services", { name: "Platform pizzeria", language: "en-US" });
  serviceId = created.body.id as string;
  await portal.page.goto(`${portal.gateway.url}/services/${serviceId}`);
});

afterAll(async () => {
  await Promise.all([rasa?.close(), directLine?.close()]);
});

/** Places a call from the Test chat's simulated caller, says `text`, and waits for `reply` in what the caller hears. */
async function talk(text: string, reply: string) {
  const { page } = portal;
  await page.getByRole("link", { name: "Test chat" }).click();
  await page.getByRole("button", { name: /^(Call the service|Call again)$/ }).click();
  await visible(page.getByText("On a call to"));
  const callerLog = page.getByTestId("caller-log");
  await page.getByLabel("Say something").fill(text);
  await page.getByRole("button", { name: "Say", exact: true }).click();
  await visible(callerLog.getByText(reply));
  return callerLog;
}

describe("bot platforms in the portal, in Chromium", () => {
  it("switches a service to a Rasa bot by filling in the form, and the simulated caller talks to it", async () => {
    const { page } = portal;
    await page.getByRole("button", { name: "Edit bot configuration" }).click();
    await page.getByLabel("Bot type").selectOption({ label: "Rasa (REST channel)" });
    // A Rasa bot needs no security token: the field is gone.
    expect(await page.getByLabel("Bot security token").count()).toBe(0);
    await page.getByLabel("Rasa server URL").fill(`${rasa.url}/_`);
    await expectAccessible(page, "bot configuration form, Rasa");
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Bot configuration saved."));
    await hasText(page.getByTestId("bot-type"), "Rasa (REST channel)");
    await hasText(page.getByTestId("bot-url"), `${rasa.url}/_`);
    expect((await portal.api("GET", `/api/v1/services/${serviceId}`)).body).toMatchObject({ botType: "rasa", botUrl: `${rasa.url}/_`, demo: false });

    const callerLog = await talk("a margherita", "You said: a margherita");
    await visible(callerLog.getByText("Welcome to the Rasa pizzeria."));
    await page.getByLabel("Say something").fill("goodbye");
    await page.getByRole("button", { name: "Say", exact: true }).click();
    await visible(page.getByText("The call ended: the bot ended the call."));
  });

  it("switches it to a Bot Framework bot (Direct Line): the secret is required, then shown only as set", async () => {
    const { page } = portal;
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Edit bot configuration" }).click();
    await page.getByLabel("Bot type").selectOption({ label: "Microsoft Bot Framework (Direct Line 3.0)" });
    await page.getByLabel("Direct Line endpoint").fill(`${directLine.url}/_/v3/directline`);
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Enter a secret of your bot's Direct Line channel."));
    await expectAccessible(page, "bot configuration form, Direct Line, with a field error");
    await page.getByLabel("Direct Line secret").fill(DIRECT_LINE_SECRET);
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Bot configuration saved."));
    await hasText(page.getByTestId("bot-type"), "Microsoft Bot Framework (Direct Line 3.0)");
    await hasText(page.getByTestId("directline-secret"), "Set (hidden)");
    expect(await page.content()).not.toContain(DIRECT_LINE_SECRET);
    const stored = await portal.api("GET", `/api/v1/services/${serviceId}`);
    expect(stored.body).toMatchObject({ botType: "directline", directLineSecretSet: true });
    expect(JSON.stringify(stored.body)).not.toContain(DIRECT_LINE_SECRET);

    // Editing again keeps the secret when the field is left empty.
    await page.getByRole("button", { name: "Edit bot configuration" }).click();
    await containsText(page.getByText("Leave empty to keep the current one."), "Leave empty");
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Bot configuration saved."));

    const callerLog = await talk("a calzone", "You said: a calzone");
    await visible(callerLog.getByText("Welcome to the Bot Framework pizzeria."));
    const calls = await portal.api("GET", `/api/v1/services/${serviceId}/calls`);
    const conversation = calls.body[0].conversation as string;
    await until(async () => (await portal.api("GET", `/api/v1/calls/${conversation}`)).body.failedDeliveries === 0, 5_000, "no failed delivery");
    await page.getByRole("button", { name: "Hang up" }).click();
    await visible(page.getByText("The call ended"));
  });

  it("offers Dialogflow CX with a write-only key: a key that is not one is shown under its field", async () => {
    const { page } = portal;
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Edit bot configuration" }).click();
    await page.getByLabel("Bot type").selectOption({ label: "Google Dialogflow CX" });
    await page.getByLabel("Agent URL").fill("https://global-dialogflow.googleapis.com/v3/projects/p/locations/global/agents/a");
    const keyField = page.getByLabel("Service-account key (JSON)");
    await keyField.fill("not json");
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText("Paste the whole key file: it is JSON, starting with {."));
    // JSON, but not a service-account key: the gateway's answer names the field, and the page shows it there.
    await keyField.fill(JSON.stringify({ client_email: "bot@p.iam.gserviceaccount.com" }));
    await page.getByRole("button", { name: "Save bot configuration" }).click();
    await visible(page.getByText(/not a service-account key: private_key/));
    await expectAccessible(page, "bot configuration form, Dialogflow CX, with a field error");
    expect((await portal.api("GET", `/api/v1/services/${serviceId}`)).body).toMatchObject({ botType: "directline", dialogflowServiceAccountKeySet: false });
    await page.getByRole("button", { name: "Cancel" }).click();
  });
});

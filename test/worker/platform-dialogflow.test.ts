import { describe, expect, inject, it } from "vitest";
import { api, say, startCall } from "./helpers.ts";
import { botSaid, firstSettled, goodbyeEndsTheCall, handoffBecomesTransfer, platformLog, serviceOnPlatform } from "./platforms.ts";

const AGENT_PATH = "/v3/projects/pizza-project/locations/global/agents/agent-1";
const dialogflow = (behaviour = "_", key = inject("fakeDialogflowKey")) => ({
  botType: "dialogflow-cx",
  botUrl: `${inject("fakeDialogflowUrl")}/${behaviour}${AGENT_PATH}`,
  dialogflowServiceAccountKey: key,
});

const requestsOf = async (conversation: string) =>
  (await platformLog(inject("fakeDialogflowUrl"))).filter((r) => r.path.includes(`/sessions/${conversation}:detectIntent`));

describe("a service whose bot is a Dialogflow CX agent", () => {
  it("calls detectIntent per turn with a signed service-account token, in the service's language, session = the call", async () => {
    const { key, serviceId } = await serviceOnPlatform(dialogflow());
    const conversation = await startCall(key, serviceId);
    expect(await botSaid(key, conversation, 1)).toEqual([{ body: "Welcome to the Dialogflow pizzeria.", last: false }]);
    await say(key, conversation, "a calzone");
    expect((await botSaid(key, conversation, 2))[1]).toEqual({ body: "You said: a calzone", last: false });

    const requests = await requestsOf(conversation);
    expect(requests.map((r) => r.body.queryInput)).toEqual([
      { intent: { intent: "projects/pizza-project/locations/global/agents/agent-1/intents/00000000-0000-0000-0000-000000000000" }, languageCode: "en-US" },
      { text: { text: "a calzone" }, languageCode: "en-US" },
    ]);
    expect(requests.every((r) => /^Bearer ya29\.fake-/.test(r.authorization ?? ""))).toBe(true);
    // The access token is cached: both turns used the same one.
    expect(new Set(requests.map((r) => r.authorization)).size).toBe(1);

    const ended = await goodbyeEndsTheCall(key, conversation);
    expect(ended.messages.filter((m) => m.direction === "from_bot").at(-1)).toMatchObject({ body: "Goodbye!", last: true });
  });

  it("turns a live-agent handoff into a transfer", async () => {
    const { key, serviceId } = await serviceOnPlatform(dialogflow());
    const conversation = await startCall(key, serviceId);
    await botSaid(key, conversation, 1);
    await handoffBecomesTransfer(key, conversation, "A person will help you.");
  });

  it("records a refused token request and a refused detectIntent on the call, and retries Dialogflow's 5xx", async () => {
    const refusedKey = await serviceOnPlatform(dialogflow("_", inject("fakeDialogflowKeyRefused")));
    const refused = await firstSettled(refusedKey.key, await startCall(refusedKey.key, refusedKey.serviceId));
    expect(refused.messages[0]).toMatchObject({
      delivery: "failed",
      attempts: 1,
      error: "Dialogflow CX's token endpoint answered HTTP 400: Invalid email or User ID",
    });

    const invalid = await serviceOnPlatform(dialogflow("status=400"));
    const rejected = await firstSettled(invalid.key, await startCall(invalid.key, invalid.serviceId));
    expect(rejected.messages[0]).toMatchObject({ delivery: "failed", attempts: 1, error: "Dialogflow CX answered HTTP 400: status 400" });

    const flaky = await serviceOnPlatform(dialogflow("fail=2"));
    const conversation = await startCall(flaky.key, flaky.serviceId);
    expect((await firstSettled(flaky.key, conversation)).messages[0]).toMatchObject({ delivery: "delivered", attempts: 3 });
  });

  it("refuses a service-account key that is not one, naming the field; GET shows only that a key is set", async () => {
    const { key, serviceId, service } = await serviceOnPlatform(dialogflow());
    expect(service).toMatchObject({ botType: "dialogflow-cx", dialogflowServiceAccountKeySet: true });
    expect(JSON.stringify(service)).not.toContain("PRIVATE KEY");
    for (const bad of ["not json", JSON.stringify({ client_email: "a@b" }), JSON.stringify({ client_email: "a@b", private_key: "x" })]) {
      const res = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { dialogflowServiceAccountKey: bad } });
      expect(res.status, bad).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field), bad).toEqual(["dialogflowServiceAccountKey"]);
    }
    const openapi = JSON.stringify((await api("/api/v1/openapi.json")).body);
    for (const field of ["botType", "directLineSecret", "directLineSecretSet", "dialogflowServiceAccountKey", "dialogflowServiceAccountKeySet"]) {
      expect(openapi, field).toContain(`"${field}"`);
    }
    const bot = await api(`/api/v1/services/${serviceId}`, { method: "PATCH", key, json: { botType: "teams" } });
    expect(bot.status).toBe(400);
    expect(bot.body.details[0].field).toBe("botType");
  });
});

import { describe, expect, it } from "vitest";
import type { Service } from "../../protocol/management.ts";
import { botPlatformProblem } from "../../worker/bot-platform-check.ts";

const service = (view: Partial<Service>) => async () => ({ botType: "messaging-api", directLineSecretSet: false, dialogflowServiceAccountKeySet: false, ...view }) as Service;
const key = (tokenUri?: string) =>
  JSON.stringify({ client_email: "a@p.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", ...(tokenUri ? { token_uri: tokenUri } : {}) });
const publicOnly = {};

describe("a PATCH's bot-platform settings against the service as it is", () => {
  it("needs the credential of the bot type it ends with, naming the field", async () => {
    expect(await botPlatformProblem({ botType: "directline" }, service({}), publicOnly)).toMatchObject({ path: ["directLineSecret"] });
    expect(await botPlatformProblem({ botType: "directline" }, service({ directLineSecretSet: true }), publicOnly)).toBeUndefined();
    expect(await botPlatformProblem({ directLineSecret: null }, service({ botType: "directline", directLineSecretSet: true }), publicOnly)).toMatchObject({
      path: ["directLineSecret"],
    });
    expect(await botPlatformProblem({ botType: "dialogflow-cx" }, service({}), publicOnly)).toMatchObject({ path: ["dialogflowServiceAccountKey"] });
    expect(await botPlatformProblem({ botType: "dialogflow-cx", dialogflowServiceAccountKey: key() }, service({}), publicOnly)).toBeUndefined();
    expect(await botPlatformProblem({ botType: "rasa" }, service({}), publicOnly)).toBeUndefined();
    // A PATCH that does not touch the bot platform does not even read the service.
    expect(await botPlatformProblem({ name: "x" }, () => Promise.reject(new Error("read")), publicOnly)).toBeUndefined();
  });

  it("refuses a key whose token endpoint is not a public address, unless private addresses are allowed", async () => {
    const patch = { botType: "dialogflow-cx" as const, dialogflowServiceAccountKey: key("http://127.0.0.1:9/token") };
    expect(await botPlatformProblem(patch, service({}), publicOnly)).toMatchObject({ path: ["dialogflowServiceAccountKey"], message: /^token_uri: / });
    expect(await botPlatformProblem(patch, service({}), { ALLOW_PRIVATE_BOT_URLS: "true" })).toBeUndefined();
    expect(await botPlatformProblem({ ...patch, dialogflowServiceAccountKey: key("https://oauth2.googleapis.com/token") }, service({}), publicOnly)).toBeUndefined();
  });
});

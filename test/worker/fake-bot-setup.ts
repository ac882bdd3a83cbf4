import type { TestProject } from "vitest/node";
import { startFakeBot } from "../support/fake-bot.ts";
import { startFakeBotpress } from "../support/platforms/fake-botpress.ts";
import { startFakeDialogflow } from "../support/platforms/fake-dialogflow.ts";
import { startFakeDirectLine } from "../support/platforms/fake-directline.ts";
import { startFakeRasa } from "../support/platforms/fake-rasa.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeBotUrl: string;
    /** Loopback fakes of the bot platforms (test/support/platforms/). */
    fakeRasaUrl: string;
    fakeDirectLineUrl: string;
    fakeDialogflowUrl: string;
    /** A service-account key file for the fake Dialogflow, its token endpoint under the behaviour segment "_". */
    fakeDialogflowKey: string;
    /** One of an account the fake does not know: its token endpoint refuses it (400 invalid_grant). */
    fakeDialogflowKeyRefused: string;
    fakeBotpressUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const bot = await startFakeBot();
  const [rasa, directLine, dialogflow, botpress] = await Promise.all([startFakeRasa(), startFakeDirectLine(), startFakeDialogflow(), startFakeBotpress()]);
  project.provide("fakeBotUrl", bot.url);
  project.provide("fakeRasaUrl", rasa.url);
  project.provide("fakeDirectLineUrl", directLine.url);
  project.provide("fakeDialogflowUrl", dialogflow.url);
  project.provide("fakeDialogflowKey", dialogflow.serviceAccountKey());
  project.provide("fakeDialogflowKeyRefused", JSON.stringify({ ...JSON.parse(dialogflow.serviceAccountKey()), client_email: "someone-else@other.iam.gserviceaccount.com" }));
  project.provide("fakeBotpressUrl", botpress.url);
  return async () => {
    await Promise.all([bot.close(), rasa.close(), directLine.close(), dialogflow.close(), botpress.close()]);
  };
}

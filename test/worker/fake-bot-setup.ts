import type { TestProject } from "vitest/node";
import { startFakeBot } from "../support/fake-bot.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeBotUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const bot = await startFakeBot();
  project.provide("fakeBotUrl", bot.url);
  return bot.close;
}

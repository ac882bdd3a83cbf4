import type { BotType } from "../../protocol/settings/bot-platform.ts";
import { botpressAdaptor } from "./botpress-client.ts";
import { dialogflowAdaptor } from "./dialogflow-client.ts";
import { directLineAdaptor } from "./directline-client.ts";
import { rasaAdaptor } from "./rasa-client.ts";
import type { PlatformAdaptor } from "./types.ts";

/** The adaptor for a service's bot type; undefined for a messaging-API bot (the delivery queue POSTs to it itself). */
export function platformAdaptor(botType: BotType): PlatformAdaptor | undefined {
  switch (botType) {
    case "messaging-api":
      return undefined;
    case "rasa":
      return rasaAdaptor;
    case "directline":
      return directLineAdaptor;
    case "dialogflow-cx":
      return dialogflowAdaptor;
    case "botpress":
      return botpressAdaptor;
  }
}

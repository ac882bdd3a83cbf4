import type { BotType } from "../../../protocol/settings/bot-platform.ts";

/** How the portal presents each bot type (docs/api.md, "Bot platforms"). */
export interface BotTypeInfo {
  name: string;
  urlLabel: string;
  urlPlaceholder: string;
  urlHint: string;
  /** Filled in when switching to this type with no address yet. */
  defaultUrl?: string;
}

export const BOT_TYPE_INFO: Record<BotType, BotTypeInfo> = {
  "messaging-api": {
    name: "Messaging API bot (your own server)",
    urlLabel: "Bot URL",
    urlPlaceholder: "https://bot.example.com/hook/{conversation}",
    urlHint: "We POST each caller message here. {conversation} in the URL is replaced by the call's id.",
  },
  rasa: {
    name: "Rasa (REST channel)",
    urlLabel: "Rasa server URL",
    urlPlaceholder: "https://rasa.example.com:5005",
    urlHint: "Your Rasa server with the REST channel enabled; we POST to /webhooks/rest/webhook with the call's id as sender.",
  },
  directline: {
    name: "Microsoft Bot Framework (Direct Line 3.0)",
    urlLabel: "Direct Line endpoint",
    urlPlaceholder: "https://directline.botframework.com/v3/directline",
    urlHint: "The Direct Line base address of your Azure Bot (a regional one if your bot uses it).",
    defaultUrl: "https://directline.botframework.com/v3/directline",
  },
  "dialogflow-cx": {
    name: "Google Dialogflow CX",
    urlLabel: "Agent URL",
    urlPlaceholder: "https://us-central1-dialogflow.googleapis.com/v3/projects/my-project/locations/us-central1/agents/…",
    urlHint: "The agent's API address: the regional endpoint followed by /v3/projects/…/locations/…/agents/<agent id>.",
  },
  botpress: {
    name: "Botpress (Chat API)",
    urlLabel: "Chat API webhook URL",
    urlPlaceholder: "https://chat.botpress.cloud/<webhook id>",
    urlHint: "The webhook URL of your bot's Chat integration.",
  },
};

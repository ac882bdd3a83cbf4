import { z } from "zod";
import { botPlatformSettings } from "./settings/bot-platform.ts";
import { conversationSettings } from "./settings/conversation.ts";
import { messageFormatSettings } from "./settings/message-format.ts";
import { transferSettings } from "./settings/transfer.ts";
import { outboundSettings } from "./settings/outbound.ts";
import { voiceSettings } from "./settings/voice.ts";

/**
 * A service's settings beyond its name, language, numbers, bot and call limits, one group per feature
 * (protocol/settings/*). Each group is listed once below; its fields then appear in PATCH and GET /services/{id},
 * the OpenAPI document, the stored document and every live call's link.
 */
const groups = [messageFormatSettings, transferSettings, botPlatformSettings, outboundSettings, voiceSettings, conversationSettings] as const;

export const SettingsPatchShape = {
  ...messageFormatSettings.patch,
  ...transferSettings.patch,
  ...botPlatformSettings.patch,
  ...outboundSettings.patch,
  ...voiceSettings.patch,
  ...conversationSettings.patch,
};
export const SettingsViewShape = {
  ...messageFormatSettings.view,
  ...transferSettings.view,
  ...botPlatformSettings.view,
  ...outboundSettings.view,
  ...voiceSettings.view,
  ...conversationSettings.view,
};

const StoredSchema = z.object(SettingsPatchShape);
/** Every setting with its value (defaults for those never set), secrets included: never shown, never logged. */
export type ServiceSettings = z.infer<typeof StoredSchema>;
/** What GET /services/{id} shows of the settings (write-only secrets left out). */
export type ServiceSettingsView = z.infer<z.ZodObject<typeof SettingsViewShape>>;
export type SettingsPatch = Partial<ServiceSettings>;

export const SETTINGS_FIELDS = Object.keys(SettingsPatchShape) as (keyof ServiceSettings)[];

type AnyGroup = {
  patch: z.ZodRawShape;
  defaults: object;
  merge(stored: object, patch: object): object;
  toView(stored: object): object;
};
const each = groups as readonly AnyGroup[];
const pick = (group: AnyGroup, value: object) =>
  Object.fromEntries(Object.keys(group.patch).filter((k) => k in value).map((k) => [k, (value as Record<string, unknown>)[k]]));

/** The stored document read back, each group's defaults under what was saved (a setting added later gets its default). */
export function settingsWithDefaults(stored: unknown): ServiceSettings {
  const saved = typeof stored === "object" && stored !== null ? stored : {};
  return Object.assign({}, ...each.map((group) => ({ ...group.defaults, ...pick(group, saved) }))) as ServiceSettings;
}

/** The settings after a PATCH: each group merges the fields the PATCH names. */
export function mergeSettings(stored: ServiceSettings, patch: SettingsPatch): ServiceSettings {
  return Object.assign(
    {},
    ...each.map((group) => {
      const current = pick(group, stored);
      const change = pick(group, patch);
      return Object.keys(change).length > 0 ? group.merge(current, change) : current;
    }),
  ) as ServiceSettings;
}

export function settingsView(stored: ServiceSettings): ServiceSettingsView {
  return Object.assign({}, ...each.map((group) => group.toView(pick(group, stored)))) as ServiceSettingsView;
}

/** The settings of a service that never changed any: what a gateway stand-in tells the agent in tests. */
export const DEFAULT_SETTINGS_VIEW: ServiceSettingsView = settingsView(settingsWithDefaults({}));

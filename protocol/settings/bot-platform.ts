import { z } from "zod";
import { definedOnly, type SettingsGroup } from "./define.ts";

/**
 * What the service's bot URL points at: a bot that speaks our messaging API (the default), or a bot platform the
 * gateway talks to itself (durable-objects/adaptors/). With a platform, the bot URL is the platform's address
 * (docs/api.md, "Bot platforms") and its credentials are the write-only secrets below: GET shows only whether
 * each is set, the agent never gets them, and they are never logged.
 */
export const BOT_TYPES = ["messaging-api", "rasa", "directline", "dialogflow-cx", "botpress"] as const;
export type BotType = (typeof BOT_TYPES)[number];

/** A Direct Line secret (or token) of an Azure Bot's Direct Line channel. */
const DirectLineSecretSchema = z.string().min(1).max(1024).regex(/^[\x21-\x7e]+$/, "printable characters only, no spaces");

/** The fields of a Google service-account key the gateway uses to sign its token request. */
export const ServiceAccountKeySchema = z.object({
  client_email: z.string().min(1).max(320),
  private_key: z.string().includes("PRIVATE KEY", { message: "a PEM private key" }).max(8192),
  private_key_id: z.string().max(200).optional(),
  /** Where the signed assertion is exchanged for an access token; Google's own endpoint when absent. */
  token_uri: z.url({ protocol: /^https?$/ }).max(2048).optional(),
});
export type ServiceAccountKey = z.infer<typeof ServiceAccountKeySchema>;

/** A service-account key file's JSON, as downloaded from Google Cloud (kept as given). */
const ServiceAccountKeyJsonSchema = z
  .string()
  .max(16_384)
  .superRefine((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "the service-account key file's JSON" });
      return;
    }
    const key = ServiceAccountKeySchema.safeParse(parsed);
    if (!key.success) {
      const issue = key.error.issues[0]!;
      ctx.addIssue({ code: "custom", message: `not a service-account key: ${issue.path.join(".") || "value"}: ${issue.message}` });
    }
  });

const patch = {
  botType: z.enum(BOT_TYPES),
  /** null removes it. */
  directLineSecret: DirectLineSecretSchema.nullable(),
  /** null removes it. */
  dialogflowServiceAccountKey: ServiceAccountKeyJsonSchema.nullable(),
};
const view = {
  botType: z.enum(BOT_TYPES),
  directLineSecretSet: z.boolean(),
  dialogflowServiceAccountKeySet: z.boolean(),
};

/** No bot platform and no credential: what "reset demo mode" and a deletion leave. */
export const NO_BOT_PLATFORM = { botType: "messaging-api", directLineSecret: null, dialogflowServiceAccountKey: null } as const;

export const botPlatformSettings: SettingsGroup<typeof patch, typeof view> = {
  patch,
  view,
  defaults: { ...NO_BOT_PLATFORM },
  // A PATCH that leaves a secret out keeps it; null removes it.
  merge: (stored, change) => ({ ...stored, ...definedOnly(change) }),
  toView: (stored) => ({
    botType: stored.botType,
    directLineSecretSet: stored.directLineSecret !== null,
    dialogflowServiceAccountKeySet: stored.dialogflowServiceAccountKey !== null,
  }),
};

/** The bot-platform settings as GET shows them, and as a PATCH may change them. */
type PlatformView = { botType: BotType; directLineSecretSet: boolean; dialogflowServiceAccountKeySet: boolean };
type PlatformPatch = { botType?: BotType | undefined; directLineSecret?: string | null | undefined; dialogflowServiceAccountKey?: string | null | undefined };

/**
 * The credential a PATCH leaves its bot type without (Direct Line's secret, Dialogflow's key), naming the field; or
 * undefined. Pure: `current` is the service as it is.
 */
export function missingCredential(current: PlatformView, patch: PlatformPatch): { path: [string]; message: string } | undefined {
  const botType = patch.botType ?? current.botType;
  const has = (given: string | null | undefined, set: boolean) => (given === undefined ? set : given !== null);
  if (botType === "directline" && !has(patch.directLineSecret, current.directLineSecretSet)) {
    return { path: ["directLineSecret"], message: "a Direct Line bot needs its Direct Line secret" };
  }
  if (botType === "dialogflow-cx" && !has(patch.dialogflowServiceAccountKey, current.dialogflowServiceAccountKeySet)) {
    return { path: ["dialogflowServiceAccountKey"], message: "a Dialogflow CX bot needs a service-account key" };
  }
  return undefined;
}

/** A PATCH that concerns the bot platform (and so is checked against the service as it is). */
export const touchesBotPlatform = (patch: PlatformPatch) =>
  patch.botType !== undefined || patch.directLineSecret !== undefined || patch.dialogflowServiceAccountKey !== undefined;

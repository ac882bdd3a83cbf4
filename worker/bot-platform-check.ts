import type { Service, ServicePatch } from "../protocol/management.ts";
import { ServiceAccountKeySchema, missingCredential, touchesBotPlatform } from "../protocol/settings/bot-platform.ts";
import { botUrlRefusal } from "./bot-url-guard.ts";

/**
 * What is wrong with a PATCH's bot-platform settings given the service as it is: a credential its bot type needs and
 * does not have, or a service-account key whose token endpoint is not a public address. Undefined when nothing is.
 */
export async function botPlatformProblem(
  patch: ServicePatch,
  current: () => Promise<Service | null>,
  env: { ALLOW_PRIVATE_BOT_URLS?: string },
): Promise<{ path: [string]; message: string } | undefined> {
  if (!touchesBotPlatform(patch)) return undefined;
  if (patch.dialogflowServiceAccountKey) {
    const tokenUri = ServiceAccountKeySchema.parse(JSON.parse(patch.dialogflowServiceAccountKey)).token_uri;
    const refusal = tokenUri === undefined ? undefined : botUrlRefusal(tokenUri, env);
    if (refusal) return { path: ["dialogflowServiceAccountKey"], message: `token_uri: ${refusal}` };
  }
  const service = await current();
  return service ? missingCredential(service, patch) : undefined;
}

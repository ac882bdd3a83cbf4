/** The Worker's side of provisioning: runs provision.ts for a service and records the outcome on the service. */
import type { Provisioning } from "../../protocol/management.ts";
import { type Env, serviceStub } from "../env.ts";
import { ApiError } from "../errors.ts";
import { liveKitConfig } from "./config.ts";
import { ProvisioningError, provisionService } from "./provision.ts";
import { provisionOutboundTrunk } from "./outbound-trunk.ts";
import { OUTBOUND_DEFAULTS } from "../../protocol/settings/outbound.ts";

const describe = (error: unknown) => `LiveKit provisioning failed: ${error instanceof Error ? error.message : String(error)}`;

/** Whether the three LiveKit variables are set (a malformed value counts as set: it must be reported, not ignored). */
export const liveKitEnabled = (env: Env) => {
  try {
    return liveKitConfig(env) !== null;
  } catch {
    return true;
  }
};

/**
 * Makes LiveKit carry `numbers` for the service (and its outbound trunk, for calls started by the bot) and records the outcome (state + change-log event). Never throws for
 * a LiveKit failure: the service change stands and the failure is on the service, for the user to see and retry.
 * Undefined when LiveKit is not configured.
 */
export async function provisionNumbers(env: Env, serviceId: string, numbers: readonly string[]): Promise<Provisioning | undefined> {
  let outcome: { ok: true } | { ok: false; error: string };
  try {
    const config = liveKitConfig(env);
    if (!config) return undefined;
    await provisionService(config, serviceId, numbers);
    // The outbound trunk (calls started by the bot) follows the numbers (its caller ids) and the outbound settings.
    const service = serviceStub(env, serviceId);
    const outbound = await service.outboundForProvisioning();
    if (outbound) await service.recordOutboundTrunk(await provisionOutboundTrunk(config, serviceId, outbound, numbers));
    outcome = { ok: true };
  } catch (error) {
    if (!(error instanceof ProvisioningError)) console.error("LiveKit provisioning", error);
    outcome = { ok: false, error: describe(error) };
  }
  return (await serviceStub(env, serviceId).recordProvisioning(outcome)) ?? undefined;
}

/** Removes what LiveKit has for a service that is being deleted; a failure is a 502 and the deletion does not happen. */
export async function deprovision(env: Env, serviceId: string): Promise<void> {
  try {
    const config = liveKitConfig(env);
    if (config) {
      await provisionService(config, serviceId, []);
      await provisionOutboundTrunk(config, serviceId, OUTBOUND_DEFAULTS, []);
    }
  } catch (error) {
    throw new ApiError(502, describe(error), error instanceof ProvisioningError ? [{ step: error.step }] : undefined);
  }
}

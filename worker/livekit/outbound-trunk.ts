/**
 * The outbound SIP trunk that LiveKit dials a service's calls through (calls started by the bot): one per service,
 * marked as ours by the same metadata as the inbound trunk (plan.ts), carrying the provider's address, the auth
 * user and password, and the service's numbers as caller ids. It exists while outbound calls are enabled with a
 * trunk address; otherwise it is removed. The password goes to LiveKit and nowhere else: never into an error
 * message, a log line or the service's view.
 */
import { SIPOutboundTrunkInfo, SipClient } from "livekit-server-sdk";
import type { Outbound } from "../../protocol/settings/outbound.ts";
import type { LiveKitConfig } from "./config.ts";
import { MANAGED_BY, ownerOf } from "./plan.ts";
import { ProvisioningError } from "./provision.ts";

/** SIPTransport.SIP_TRANSPORT_AUTO of @livekit/protocol (livekit-server-sdk does not re-export the enum). */
const SIP_TRANSPORT_AUTO = 0;

export interface OutboundTrunkSpec {
  name: string;
  metadata: string;
  address: string;
  numbers: string[];
  authUsername: string;
  authPassword: string;
}

export type OutboundTrunkOperation =
  | { op: "create"; trunk: OutboundTrunkSpec }
  | { op: "replace"; id: string; trunk: OutboundTrunkSpec }
  | { op: "delete"; id: string };

/** What should exist for a service: null when its outbound calls are off or have no trunk address. */
export function desiredOutboundTrunk(serviceId: string, outbound: Outbound, numbers: readonly string[]): OutboundTrunkSpec | null {
  if (!outbound.enabled || outbound.trunk.address === "") return null;
  return {
    name: `phonemybot ${serviceId} outbound`,
    metadata: JSON.stringify({ managedBy: MANAGED_BY, serviceId }),
    address: outbound.trunk.address,
    numbers: [...numbers].sort(),
    authUsername: outbound.trunk.username,
    authPassword: outbound.trunk.password,
  };
}

/**
 * The operations that make the service's outbound trunks match `desired` (pure). The kept trunk is always replaced
 * with the desired one: LiveKit does not show the password back, so "unchanged" cannot be told, and this runs only
 * when the service's outbound settings or numbers change.
 */
export function planOutboundTrunk(serviceId: string, desired: OutboundTrunkSpec | null, existing: readonly { id: string; metadata: string }[]): OutboundTrunkOperation[] {
  const ours = existing.filter((t) => ownerOf(t.metadata) === serviceId);
  const [kept, ...extra] = desired ? ours : [];
  const ops: OutboundTrunkOperation[] = (desired ? extra : ours).map((t) => ({ op: "delete", id: t.id }));
  if (desired) ops.push(kept ? { op: "replace", id: kept.id, trunk: desired } : { op: "create", trunk: desired });
  return ops;
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = typeof (error as { status?: unknown }).status === "number" ? ` (HTTP ${(error as { status: number }).status})` : "";
    throw new ProvisioningError(`${name}: ${message}${status}`, name);
  }
}

/** Makes LiveKit match; the id of the service's outbound trunk afterwards (null when it should have none). */
export async function provisionOutboundTrunk(config: LiveKitConfig, serviceId: string, outbound: Outbound, numbers: readonly string[]): Promise<string | null> {
  const sip = new SipClient(config.apiUrl, config.apiKey, config.apiSecret);
  const existing = await step("listSipOutboundTrunk", () => sip.listSipOutboundTrunk());
  const desired = desiredOutboundTrunk(serviceId, outbound, numbers);
  let trunkId: string | null = null;
  for (const operation of planOutboundTrunk(serviceId, desired, existing.map((t) => ({ id: t.sipTrunkId, metadata: t.metadata })))) {
    if (operation.op === "delete") {
      await step("deleteSipTrunk", () => sip.deleteSipTrunk(operation.id));
    } else if (operation.op === "create") {
      const { name, address, numbers: callerIds, metadata, authUsername, authPassword } = operation.trunk;
      const created = await step("createSipOutboundTrunk", () =>
        sip.createSipOutboundTrunk(name, address, callerIds, { metadata, authUsername, authPassword, transport: SIP_TRANSPORT_AUTO }),
      );
      trunkId = created.sipTrunkId;
    } else {
      const trunk = new SIPOutboundTrunkInfo({ ...operation.trunk, sipTrunkId: operation.id });
      trunkId = (await step("updateSipOutboundTrunk", () => sip.updateSipOutboundTrunk(operation.id, trunk))).sipTrunkId || operation.id;
    }
  }
  return trunkId;
}

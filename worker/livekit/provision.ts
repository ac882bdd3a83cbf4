/**
 * Makes LiveKit match a service's numbers (see plan.ts) through livekit-server-sdk's SipClient: it lists the
 * project's inbound trunks and dispatch rules, plans, and runs the operations in order. Throws ProvisioningError
 * with LiveKit's own message when a call fails; whatever ran before the failure stays, and running it again
 * converges (the plan is computed from what exists each time).
 */
import { RoomAgentDispatch, RoomConfiguration, type SIPDispatchRuleInfo, SIPInboundTrunkInfo, SipClient } from "livekit-server-sdk";
import type { LiveKitConfig } from "./config.ts";
import { type ExistingRule, type ExistingTrunk, type Operation, desiredState, plan } from "./plan.ts";

export class ProvisioningError extends Error {
  constructor(
    message: string,
    /** The operation that failed (`listSipInboundTrunk`, `createSipDispatchRule`, …). */
    readonly step: string,
  ) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export interface ProvisioningResult {
  operations: Operation[];
  trunkId: string | null;
}

const toExistingTrunk = (t: SIPInboundTrunkInfo): ExistingTrunk => ({ id: t.sipTrunkId, name: t.name, metadata: t.metadata, numbers: t.numbers });

function toExistingRule(r: SIPDispatchRuleInfo): ExistingRule {
  const rule = r.rule?.rule;
  return {
    id: r.sipDispatchRuleId,
    name: r.name,
    metadata: r.metadata,
    trunkIds: r.trunkIds,
    roomPrefix: rule?.case === "dispatchRuleIndividual" ? rule.value.roomPrefix : null,
    agents: (r.roomConfig?.agents ?? []).map((a) => ({ agentName: a.agentName, metadata: a.metadata })),
  };
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

/** Provisions `numbers` for `serviceId` (no numbers: removes what the service had). */
export async function provisionService(config: LiveKitConfig, serviceId: string, numbers: readonly string[]): Promise<ProvisioningResult> {
  const sip = new SipClient(config.apiUrl, config.apiKey, config.apiSecret);
  const [trunks, rules] = await Promise.all([
    step("listSipInboundTrunk", () => sip.listSipInboundTrunk()),
    step("listSipDispatchRule", () => sip.listSipDispatchRule()),
  ]);
  const byId = new Map(trunks.map((t) => [t.sipTrunkId, t]));
  const operations = plan(serviceId, desiredState(serviceId, numbers, config.agentName), {
    trunks: trunks.map(toExistingTrunk),
    rules: rules.map(toExistingRule),
  });
  let trunkId: string | null = null;
  for (const operation of operations) {
    switch (operation.op) {
      case "deleteRule":
        await step("deleteSipDispatchRule", () => sip.deleteSipDispatchRule(operation.id));
        break;
      case "deleteTrunk":
        await step("deleteSipTrunk", () => sip.deleteSipTrunk(operation.id));
        break;
      case "createTrunk": {
        const { name, numbers: wanted, metadata } = operation.trunk;
        trunkId = (await step("createSipInboundTrunk", () => sip.createSipInboundTrunk(name, wanted, { metadata }))).sipTrunkId;
        break;
      }
      case "updateTrunk": {
        // Replace the whole trunk, keeping what an operator may have set on it (allowed addresses, auth, media).
        const trunk = new SIPInboundTrunkInfo({ ...byId.get(operation.id), ...operation.trunk, sipTrunkId: operation.id });
        trunkId = (await step("updateSipInboundTrunk", () => sip.updateSipInboundTrunk(operation.id, trunk))).sipTrunkId || operation.id;
        break;
      }
      case "createRule": {
        const target = operation.trunkId ?? trunkId;
        if (!target) throw new ProvisioningError("createSipDispatchRule: LiveKit returned no trunk id", "createSipDispatchRule");
        const { name, metadata, roomPrefix, agentName, agentMetadata } = operation.rule;
        await step("createSipDispatchRule", () =>
          sip.createSipDispatchRule(
            { type: "individual", roomPrefix },
            {
              name,
              metadata,
              trunkIds: [target],
              roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName, metadata: agentMetadata })] }),
            },
          ),
        );
        break;
      }
    }
  }
  return { operations, trunkId };
}

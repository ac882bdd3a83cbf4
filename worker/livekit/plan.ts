/**
 * What LiveKit must look like for one service, and the operations that get it there from what exists. Pure: no
 * I/O, no SDK types, so it is unit-tested without sockets (test/node/livekit-plan.test.ts); provision.ts runs it.
 *
 * Each service owns one inbound trunk carrying its numbers and one dispatch rule bound to that trunk that puts each
 * call in its own room (`dispatchRuleIndividual`) and dispatches our agent. Both are marked as ours by their
 * metadata `{"managedBy":"phonemybot","serviceId":…}`; anything else in the LiveKit project is never touched.
 */
import { z } from "zod";

export const MANAGED_BY = "phonemybot";
/** Rooms of phone calls: LiveKit names them `<prefix><caller number>_<random>`. */
export const SIP_ROOM_PREFIX = "call-";

export interface TrunkSpec {
  name: string;
  metadata: string;
  numbers: string[];
}

export interface RuleSpec {
  name: string;
  metadata: string;
  roomPrefix: string;
  agentName: string;
  agentMetadata: string;
}

/** What should exist for a service; `null` when nothing should (no numbers, or the service is deleted). */
export interface Desired {
  serviceId: string;
  trunk: TrunkSpec;
  rule: RuleSpec;
}

/** An existing inbound trunk, as much of it as the plan looks at. */
export interface ExistingTrunk {
  id: string;
  metadata: string;
  numbers: string[];
  name: string;
}

/** An existing dispatch rule; `roomPrefix` is null when it is not an individual rule. */
export interface ExistingRule {
  id: string;
  name: string;
  metadata: string;
  trunkIds: string[];
  roomPrefix: string | null;
  agents: { agentName: string; metadata: string }[];
}

export type Operation =
  | { op: "deleteRule"; id: string }
  | { op: "deleteTrunk"; id: string }
  | { op: "createTrunk"; trunk: TrunkSpec }
  | { op: "updateTrunk"; id: string; trunk: TrunkSpec }
  /** `trunkId: null` means the trunk created by the plan's `createTrunk`. */
  | { op: "createRule"; rule: RuleSpec; trunkId: string | null };

const Ownership = z.object({ managedBy: z.literal(MANAGED_BY), serviceId: z.string() });

/** The service a trunk or rule belongs to, from its metadata; null when it is not ours. */
export function ownerOf(metadata: string): string | null {
  try {
    const parsed = Ownership.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data.serviceId : null;
  } catch {
    return null;
  }
}

export function desiredState(serviceId: string, numbers: readonly string[], agentName: string): Desired | null {
  if (numbers.length === 0) return null;
  const metadata = JSON.stringify({ managedBy: MANAGED_BY, serviceId });
  return {
    serviceId,
    trunk: { name: `phonemybot ${serviceId}`, metadata, numbers: [...numbers].sort() },
    rule: {
      name: `phonemybot ${serviceId}`,
      metadata,
      roomPrefix: SIP_ROOM_PREFIX,
      agentName,
      agentMetadata: JSON.stringify({ serviceId }),
    },
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

function trunkMatches(existing: ExistingTrunk, want: TrunkSpec): boolean {
  return existing.name === want.name && existing.metadata === want.metadata && sameSet(existing.numbers, want.numbers);
}

function ruleMatches(existing: ExistingRule, want: RuleSpec, trunkId: string): boolean {
  return (
    existing.name === want.name &&
    existing.metadata === want.metadata &&
    existing.trunkIds.length === 1 &&
    existing.trunkIds[0] === trunkId &&
    existing.roomPrefix === want.roomPrefix &&
    existing.agents.length === 1 &&
    existing.agents[0]!.agentName === want.agentName &&
    existing.agents[0]!.metadata === want.agentMetadata
  );
}

/**
 * The operations that make LiveKit match `desired` for `serviceId`, given everything that exists (other owners'
 * trunks and rules are ignored). Order matters: stale rules go first (they may point at a trunk about to be
 * deleted), then extra trunks (they may hold numbers the kept trunk needs: LiveKit refuses two inbound trunks with
 * the same number), then the trunk is created or updated, then the rule is created. Running the plan
 * against the state it produces gives no operations.
 */
export function plan(
  serviceId: string,
  desired: Desired | null,
  existing: { trunks: readonly ExistingTrunk[]; rules: readonly ExistingRule[] },
): Operation[] {
  const trunks = existing.trunks.filter((t) => ownerOf(t.metadata) === serviceId);
  const rules = existing.rules.filter((r) => ownerOf(r.metadata) === serviceId);
  if (!desired) {
    return [...rules.map((r) => ({ op: "deleteRule", id: r.id }) as const), ...trunks.map((t) => ({ op: "deleteTrunk", id: t.id }) as const)];
  }
  // Keep the trunk that already matches if there is one, otherwise the first one (updated); delete the others.
  const kept = trunks.find((t) => trunkMatches(t, desired.trunk)) ?? trunks[0];
  const keptRule = kept ? rules.find((r) => ruleMatches(r, desired.rule, kept.id)) : undefined;
  const ops: Operation[] = rules.filter((r) => r !== keptRule).map((r) => ({ op: "deleteRule", id: r.id }));
  for (const t of trunks) if (t !== kept) ops.push({ op: "deleteTrunk", id: t.id });
  if (!kept) ops.push({ op: "createTrunk", trunk: desired.trunk });
  else if (!trunkMatches(kept, desired.trunk)) ops.push({ op: "updateTrunk", id: kept.id, trunk: desired.trunk });
  if (!keptRule) ops.push({ op: "createRule", rule: desired.rule, trunkId: kept ? kept.id : null });
  return ops;
}

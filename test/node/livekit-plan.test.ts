import { describe, expect, it } from "vitest";
import { type ExistingRule, type ExistingTrunk, desiredState, ownerOf, plan } from "../../worker/livekit/plan.ts";

const svc = "svc_a";
const want = desiredState(svc, ["+14155550101", "+14155550100"], "phonemybot")!;
const trunk = (id: string, numbers: string[], serviceId = svc): ExistingTrunk => ({
  id,
  numbers,
  name: `phonemybot ${serviceId}`,
  metadata: JSON.stringify({ managedBy: "phonemybot", serviceId }),
});
const rule = (id: string, trunkIds: string[], overrides: Partial<ExistingRule> = {}): ExistingRule => ({
  id,
  name: want.rule.name,
  metadata: want.rule.metadata,
  trunkIds,
  roomPrefix: "call-",
  agents: [{ agentName: "phonemybot", metadata: JSON.stringify({ serviceId: svc }) }],
  ...overrides,
});

describe("LiveKit provisioning plan", () => {
  it("describes one trunk with the numbers and an individual-room rule that dispatches the agent", () => {
    expect(want.trunk.numbers).toEqual(["+14155550100", "+14155550101"]);
    expect(ownerOf(want.trunk.metadata)).toBe(svc);
    expect(want.rule).toMatchObject({ roomPrefix: "call-", agentName: "phonemybot" });
    expect(JSON.parse(want.rule.agentMetadata)).toEqual({ serviceId: svc });
    expect(desiredState(svc, [], "phonemybot")).toBeNull();
  });

  it("creates the trunk, then the rule bound to it, from nothing", () => {
    expect(plan(svc, want, { trunks: [], rules: [] })).toEqual([
      { op: "createTrunk", trunk: want.trunk },
      { op: "createRule", rule: want.rule, trunkId: null },
    ]);
  });

  it("does nothing when LiveKit already matches (numbers in any order)", () => {
    expect(plan(svc, want, { trunks: [trunk("ST_1", ["+14155550101", "+14155550100"])], rules: [rule("SDR_1", ["ST_1"])] })).toEqual([]);
  });

  it("updates the trunk in place when the numbers change, keeping its rule", () => {
    expect(plan(svc, want, { trunks: [trunk("ST_1", ["+14155550100"])], rules: [rule("SDR_1", ["ST_1"])] })).toEqual([
      { op: "updateTrunk", id: "ST_1", trunk: want.trunk },
    ]);
  });

  it("replaces a rule that dispatches another agent, or is not an individual rule", () => {
    const existing = { trunks: [trunk("ST_1", want.trunk.numbers)] };
    const otherAgent = rule("SDR_1", ["ST_1"], { agents: [{ agentName: "old", metadata: "{}" }] });
    expect(plan(svc, want, { ...existing, rules: [otherAgent] })).toEqual([
      { op: "deleteRule", id: "SDR_1" },
      { op: "createRule", rule: want.rule, trunkId: "ST_1" },
    ]);
    expect(plan(svc, want, { ...existing, rules: [rule("SDR_2", ["ST_1"], { roomPrefix: null })] })).toEqual([
      { op: "deleteRule", id: "SDR_2" },
      { op: "createRule", rule: want.rule, trunkId: "ST_1" },
    ]);
  });

  it("cleans up leftovers of an interrupted run: extra trunks go before the kept one changes", () => {
    const ops = plan(svc, want, {
      trunks: [trunk("ST_1", ["+14155550100"]), trunk("ST_2", ["+14155550101"])],
      rules: [rule("SDR_1", ["ST_2"])],
    });
    expect(ops).toEqual([
      { op: "deleteRule", id: "SDR_1" },
      { op: "deleteTrunk", id: "ST_2" },
      { op: "updateTrunk", id: "ST_1", trunk: want.trunk },
      { op: "createRule", rule: want.rule, trunkId: "ST_1" },
    ]);
  });

  it("removes rules then trunks when the numbers are gone, and never touches what is not the service's", () => {
    const foreign = [
      trunk("ST_9", ["+14155550199"], "svc_other"),
      { id: "ST_8", name: "hand-made", metadata: "", numbers: ["+14155550198"] },
      { id: "ST_7", name: "json", metadata: '{"serviceId":"svc_a"}', numbers: [] },
    ];
    const existing = {
      trunks: [...foreign, trunk("ST_1", want.trunk.numbers)],
      rules: [rule("SDR_9", ["ST_9"], { metadata: foreign[0]!.metadata }), rule("SDR_1", ["ST_1"])],
    };
    expect(plan(svc, null, existing)).toEqual([
      { op: "deleteRule", id: "SDR_1" },
      { op: "deleteTrunk", id: "ST_1" },
    ]);
    expect(plan("svc_other", null, existing)).toEqual([
      { op: "deleteRule", id: "SDR_9" },
      { op: "deleteTrunk", id: "ST_9" },
    ]);
    expect(plan(svc, null, { trunks: foreign, rules: [] })).toEqual([]);
  });
});

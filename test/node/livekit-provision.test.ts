import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LiveKitConfig } from "../../worker/livekit/config.ts";
import { ProvisioningError, provisionService } from "../../worker/livekit/provision.ts";
import { type FakeLiveKit, startFakeLiveKit } from "../support/fake-livekit.ts";

// The real livekit-server-sdk SipClient (in Node here; test/e2e/livekit.test.ts runs it inside workerd) against
// a fake LiveKit Twirp server on loopback.
let fake: FakeLiveKit;
let config: LiveKitConfig;

beforeAll(async () => {
  fake = await startFakeLiveKit();
  config = { url: fake.url.replace("http", "ws"), apiUrl: fake.url, apiKey: fake.apiKey, apiSecret: fake.apiSecret, agentName: "phonemybot-test" };
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.trunks.clear();
  fake.rules.clear();
});

describe("provisionService through livekit-server-sdk", () => {
  it("creates a trunk with the numbers and a rule that dispatches the agent to a room per call; a rerun changes nothing", async () => {
    await provisionService(config, "svc_1", ["+14155550100", "+33142685300"]);
    expect(fake.writes().map((r) => r.method)).toEqual(["CreateSIPInboundTrunk", "CreateSIPDispatchRule"]);
    for (const r of fake.requests) {
      expect(r.claims.sip?.admin).toBe(true);
      expect(r.claims.iss).toBe(fake.apiKey);
    }
    const [trunk] = [...fake.trunks.values()];
    expect(trunk!.numbers).toEqual(["+14155550100", "+33142685300"]);
    expect(JSON.parse(trunk!.metadata)).toEqual({ managedBy: "phonemybot", serviceId: "svc_1" });
    const [rule] = [...fake.rules.values()] as any[];
    expect(rule.trunkIds).toEqual([trunk!.sipTrunkId]);
    expect(rule.rule).toEqual({ dispatchRuleIndividual: { roomPrefix: "call-" } });
    expect(rule.roomConfig.agents).toEqual([{ agentName: "phonemybot-test", metadata: JSON.stringify({ serviceId: "svc_1" }) }]);

    fake.requests.length = 0;
    await provisionService(config, "svc_1", ["+33142685300", "+14155550100"]);
    expect(fake.writes()).toEqual([]);
  });

  it("updates the numbers in place, then removes everything of the service (only its own) when none are left", async () => {
    await provisionService(config, "svc_other", ["+14155550199"]);
    await provisionService(config, "svc_1", ["+14155550100"]);
    const trunkId = [...fake.trunks.values()].find((t) => t.metadata.includes("svc_1"))!.sipTrunkId;
    fake.requests.length = 0;
    await provisionService(config, "svc_1", ["+14155550101"]);
    expect(fake.writes().map((r) => [r.method, r.body.sipTrunkId])).toEqual([["UpdateSIPInboundTrunk", trunkId]]);
    expect(fake.trunks.get(trunkId)!.numbers).toEqual(["+14155550101"]);

    fake.requests.length = 0;
    await provisionService(config, "svc_1", []);
    expect(fake.writes().map((r) => r.method)).toEqual(["DeleteSIPDispatchRule", "DeleteSIPTrunk"]);
    expect([...fake.trunks.values()].map((t) => t.numbers)).toEqual([["+14155550199"]]);
    expect(fake.rules.size).toBe(1);
  });

  it("reports LiveKit's failure with the step, and the next run converges from what the failed one left", async () => {
    fake.failNext("CreateSIPDispatchRule");
    const failed = await provisionService(config, "svc_1", ["+14155550100"]).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProvisioningError);
    expect((failed as ProvisioningError).step).toBe("createSipDispatchRule");
    expect((failed as Error).message).toContain("injected failure of CreateSIPDispatchRule");
    expect((failed as Error).message).toContain("HTTP 500");
    expect(fake.trunks.size).toBe(1);
    expect(fake.rules.size).toBe(0);

    fake.requests.length = 0;
    await provisionService(config, "svc_1", ["+14155550100"]);
    expect(fake.writes().map((r) => r.method)).toEqual(["CreateSIPDispatchRule"]);
    expect(fake.rules.size).toBe(1);
  });

  it("surfaces LiveKit's refusal of a number another trunk already has", async () => {
    await provisionService(config, "svc_other", ["+14155550100"]);
    await expect(provisionService(config, "svc_1", ["+14155550100"])).rejects.toThrow(/createSipInboundTrunk: Conflicting inbound SIP Trunks/);
  });

  it("is refused by LiveKit with a wrong API secret", async () => {
    await expect(provisionService({ ...config, apiSecret: "not-the-secret-0123456789abcdef" }, "svc_1", ["+14155550100"])).rejects.toThrow(
      /invalid token.*HTTP 401/,
    );
    expect(fake.trunks.size).toBe(0);
  });
});

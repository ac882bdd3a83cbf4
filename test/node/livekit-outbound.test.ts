import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LiveKitConfig } from "../../worker/livekit/config.ts";
import { callFailureFrom, dialOutbound } from "../../worker/livekit/dial.ts";
import { planOutboundTrunk, provisionOutboundTrunk } from "../../worker/livekit/outbound-trunk.ts";
import { ProvisioningError } from "../../worker/livekit/provision.ts";
import { OUTBOUND_DEFAULTS, type Outbound } from "../../protocol/settings/outbound.ts";
import { type FakeLiveKit, startFakeLiveKit } from "../support/fake-livekit.ts";

// Calls started by the bot through the real livekit-server-sdk (SipClient, RoomServiceClient) against the fake
// LiveKit Twirp server on loopback, which checks the signed token's grants.
let fake: FakeLiveKit;
let config: LiveKitConfig;
const PASSWORD = "trunk-pass-7f3a9c";
const outbound: Outbound = {
  ...OUTBOUND_DEFAULTS,
  enabled: true,
  destinations: ["+33"],
  trunk: { address: "sip.provider.example:5060", username: "pmb-user", password: PASSWORD },
};

beforeAll(async () => {
  fake = await startFakeLiveKit();
  config = { url: fake.url.replace("http", "ws"), apiUrl: fake.url, apiKey: fake.apiKey, apiSecret: fake.apiSecret, agentName: "phonemybot-test" };
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.outboundTrunks.clear();
  fake.rooms.clear();
  fake.dispatches.length = 0;
  fake.participants.length = 0;
  fake.sipAnswers.clear();
});

describe("the outbound trunk (worker/livekit/outbound-trunk.ts)", () => {
  it("is created with the provider's address, auth and the service's numbers, replaced in place on a change, and removed when outbound is off", async () => {
    const id = await provisionOutboundTrunk(config, "svc_1", outbound, ["+14155550100"]);
    expect(fake.writes().map((r) => r.method)).toEqual(["CreateSIPOutboundTrunk"]);
    expect(fake.requests.every((r) => r.claims.sip?.admin === true)).toBe(true);
    const trunk = fake.outboundTrunks.get(id!)!;
    expect(trunk).toMatchObject({ address: "sip.provider.example:5060", authUsername: "pmb-user", authPassword: PASSWORD, numbers: ["+14155550100"] });
    expect(JSON.parse(trunk.metadata)).toEqual({ managedBy: "phonemybot", serviceId: "svc_1" });

    await provisionOutboundTrunk(config, "svc_other", outbound, ["+14155550199"]);
    fake.requests.length = 0;
    const changed = { ...outbound, trunk: { ...outbound.trunk, username: "renamed" } };
    expect(await provisionOutboundTrunk(config, "svc_1", changed, ["+14155550100"])).toBe(id);
    expect(fake.writes().map((r) => [r.method, r.body.sipTrunkId])).toEqual([["UpdateSIPOutboundTrunk", id]]);
    expect(fake.outboundTrunks.get(id!)).toMatchObject({ authUsername: "renamed", authPassword: PASSWORD });

    fake.requests.length = 0;
    expect(await provisionOutboundTrunk(config, "svc_1", { ...outbound, enabled: false }, ["+14155550100"])).toBeNull();
    expect(fake.writes().map((r) => r.method)).toEqual(["DeleteSIPTrunk"]);
    expect([...fake.outboundTrunks.values()].map((t) => JSON.parse(t.metadata).serviceId)).toEqual(["svc_other"]);
  });

  it("reports LiveKit's failure with its step and never the password", async () => {
    fake.failNext("CreateSIPOutboundTrunk");
    const failed = await provisionOutboundTrunk(config, "svc_1", outbound, []).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProvisioningError);
    expect((failed as ProvisioningError).step).toBe("createSipOutboundTrunk");
    expect((failed as Error).message).toContain("HTTP 500");
    expect((failed as Error).message).not.toContain(PASSWORD);
  });

  it("plans: no trunk address or outbound off means none; extra trunks of the service go; other services' stay", () => {
    const mine = (id: string) => ({ id, metadata: JSON.stringify({ managedBy: "phonemybot", serviceId: "svc_1" }) });
    const theirs = { id: "T", metadata: JSON.stringify({ managedBy: "phonemybot", serviceId: "svc_2" }) };
    const spec = { name: "n", metadata: "m", address: "a", numbers: [], authUsername: "", authPassword: "" };
    expect(planOutboundTrunk("svc_1", null, [mine("A"), theirs])).toEqual([{ op: "delete", id: "A" }]);
    expect(planOutboundTrunk("svc_1", spec, [theirs])).toEqual([{ op: "create", trunk: spec }]);
    expect(planOutboundTrunk("svc_1", spec, [mine("A"), mine("B"), theirs])).toEqual([{ op: "delete", id: "B" }, { op: "replace", id: "A", trunk: spec }]);
  });
});

describe("dialing a call the bot started (worker/livekit/dial.ts)", () => {
  it("creates a room with the agent dispatched to it, then CreateSIPParticipant dials the callee on the trunk from the service's number", async () => {
    const trunkId = (await provisionOutboundTrunk(config, "svc_1", outbound, ["+14155550100"]))!;
    fake.requests.length = 0;
    const { room } = await dialOutbound(config, { conversation: "bot-1", serviceId: "svc_1", to: "+33142685300", from: "+14155550100", trunkId, ringingTimeoutSeconds: 20 });
    expect(room).toBe("outbound-bot-1");
    expect(fake.writes().map((r) => r.method)).toEqual(["CreateRoom", "CreateSIPParticipant"]);
    const [createRoom, dial] = fake.writes();
    expect(createRoom!.claims.video?.roomCreate).toBe(true);
    expect(dial!.claims.sip?.call).toBe(true);
    expect(fake.dispatches).toEqual([
      expect.objectContaining({
        agentName: "phonemybot-test",
        room,
        metadata: JSON.stringify({ serviceId: "svc_1", conversation: "bot-1", outbound: true, from: "+14155550100", to: "+33142685300" }),
      }),
    ]);
    expect(dial!.body).toMatchObject({ sipTrunkId: trunkId, sipCallTo: "+33142685300", sipNumber: "+14155550100", roomName: room, participantIdentity: "callee-bot-1", waitUntilAnswered: true });
    expect(fake.participants).toHaveLength(1);
  });

  it("a busy callee (SIP 486) fails with SIP's status and reason; a failure before dialing is a 503", async () => {
    const trunkId = (await provisionOutboundTrunk(config, "svc_1", outbound, ["+14155550100"]))!;
    fake.sipAnswers.set("+33142685300", { sipStatus: 486, reason: "Busy Here" });
    const busy = await dialOutbound(config, { conversation: "bot-2", serviceId: "svc_1", to: "+33142685300", from: "+14155550100", trunkId, ringingTimeoutSeconds: 20 }).catch((e: unknown) => e);
    expect(callFailureFrom(busy)).toEqual({ sipStatus: 486, reason: "Busy Here" });
    expect(fake.participants).toEqual([]);

    const noTrunk = await dialOutbound(config, { conversation: "bot-3", serviceId: "svc_1", to: "+33142685300", from: "+14155550100", trunkId: "ST_missing", ringingTimeoutSeconds: 20 }).catch((e: unknown) => e);
    expect(callFailureFrom(noTrunk)).toMatchObject({ sipStatus: 503, reason: expect.stringContaining("unknown outbound trunk") });
  });
});

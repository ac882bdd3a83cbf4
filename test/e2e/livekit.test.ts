import { TokenVerifier } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLiveKit, startFakeLiveKit } from "../support/fake-livekit.ts";
import { type PhoneMyBotClient, expectData } from "../../client/index.ts";
import { type Gateway, newAccount, startGateway } from "./server.ts";

// The Worker under `wrangler dev` (workerd, nodejs_compat) with LiveKit configured, talking to a fake LiveKit on
// loopback through the real livekit-server-sdk: provisioning on number changes, its failures, browser calls.
let fake: FakeLiveKit;
let gateway: Gateway;
/** The typed client (client/), as the test's account. */
let api: PhoneMyBotClient;

async function newService() {
  const res = await api.POST("/api/v1/services", { body: { name: "Pizza", language: "en-US" } });
  expect(res.response.status).toBe(201);
  return res.data!.id;
}

const path = (id: string) => ({ params: { path: { id } } });
const setNumbers = (id: string, numbers: string[]) => api.PATCH("/api/v1/services/{id}", { ...path(id), body: { numbers } });
const shownService = async (id: string) => expectData(await api.GET("/api/v1/services/{id}", path(id)), "reading the service");
const eventsOf = async (id: string) => expectData(await api.GET("/api/v1/services/{id}/events", path(id)), "reading the change log");

const trunksOf = (serviceId: string) => [...fake.trunks.values()].filter((t) => t.metadata.includes(`"${serviceId}"`));
const rulesOf = (serviceId: string) => [...fake.rules.values()].filter((r) => String(r.metadata).includes(`"${serviceId}"`)) as any[];

beforeAll(async () => {
  fake = await startFakeLiveKit();
  gateway = await startGateway({
    LIVEKIT_URL: fake.url.replace("http", "ws"),
    LIVEKIT_API_KEY: fake.apiKey,
    LIVEKIT_API_SECRET: fake.apiSecret,
    LIVEKIT_AGENT_NAME: "phonemybot-e2e",
  });
  ({ api } = await newAccount(gateway.url, "lk"));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await fake?.close();
});

describe("LiveKit from the Worker (wrangler dev → fake LiveKit)", () => {
  it("provisions a trunk and a dispatch rule when numbers are set, updates them, and removes them on delete", async () => {
    const id = await newService();
    const patched = await setNumbers(id, ["+14155552671", "+442071838750"]);
    expect(patched.response.status).toBe(200);
    expect(patched.data!.provisioning).toMatchObject({ state: "ok" });
    expect(patched.data!.provisioning!.error).toBeUndefined();

    const [trunk] = trunksOf(id);
    expect(trunksOf(id)).toHaveLength(1);
    expect([...trunk!.numbers].sort()).toEqual(["+14155552671", "+442071838750"]);
    const [rule] = rulesOf(id);
    expect(rule.trunkIds).toEqual([trunk!.sipTrunkId]);
    expect(rule.rule.dispatchRuleIndividual.roomPrefix).toBe("call-");
    expect(rule.roomConfig.agents).toEqual([{ agentName: "phonemybot-e2e", metadata: JSON.stringify({ serviceId: id }) }]);
    const sipCalls = fake.requests.filter((r) => r.service === "SIP");
    expect(sipCalls.every((r) => r.claims.sip?.admin === true && r.claims.iss === fake.apiKey)).toBe(true);

    expect((await shownService(id)).provisioning!.state).toBe("ok");
    expect((await eventsOf(id)).map((e) => e.type)).toContain("provisioned");

    // A change that does not touch numbers does not call LiveKit.
    const before = fake.requests.length;
    expect((await api.PATCH("/api/v1/services/{id}", { ...path(id), body: { name: "Pizza 2" } })).response.status).toBe(200);
    expect(fake.requests.length).toBe(before);

    await setNumbers(id, ["+14155552671"]);
    expect(trunksOf(id).map((t) => t.numbers)).toEqual([["+14155552671"]]);
    expect(trunksOf(id)[0]!.sipTrunkId).toBe(trunk!.sipTrunkId);

    expect((await api.DELETE("/api/v1/services/{id}", path(id))).response.status).toBe(204);
    expect(trunksOf(id)).toEqual([]);
    expect(rulesOf(id)).toEqual([]);
  });

  it("shows a LiveKit failure on the service and in its change log, and the retry endpoint repairs it", async () => {
    const id = await newService();
    fake.failNext("CreateSIPDispatchRule");
    const patched = expectData(await setNumbers(id, ["+14155552672"]), "setting the numbers");
    expect(patched.numbers).toEqual(["+14155552672"]);
    expect(patched.provisioning!.state).toBe("failed");
    expect(patched.provisioning!.error).toMatch(/^LiveKit provisioning failed: createSipDispatchRule: injected failure of CreateSIPDispatchRule/);

    expect((await shownService(id)).provisioning).toEqual(patched.provisioning);
    const failedEvent = (await eventsOf(id)).find((e) => e.type === "provisioning_failed");
    expect(failedEvent).toMatchObject({ error: patched.provisioning!.error });
    expect(rulesOf(id)).toEqual([]);

    // The retry endpoint: failing again is a 502 with the reason; then it succeeds.
    fake.failNext("CreateSIPDispatchRule");
    const again = await api.POST("/api/v1/services/{id}/provision", path(id));
    expect(again.response.status).toBe(502);
    expect(again.error?.error).toMatch(/LiveKit provisioning failed: createSipDispatchRule/);
    const retried = expectData(await api.POST("/api/v1/services/{id}/provision", path(id)), "provisioning again");
    expect(retried.provisioning!.state).toBe("ok");
    expect(rulesOf(id)).toHaveLength(1);
    expect(trunksOf(id)).toHaveLength(1);
    expect((await shownService(id)).provisioning!.state).toBe("ok");
  });

  it("refuses to delete a service whose LiveKit trunk cannot be removed (502), and deletes it on retry", async () => {
    const id = await newService();
    await setNumbers(id, ["+14155552673"]);
    fake.failNext("DeleteSIPTrunk");
    const refused = await api.DELETE("/api/v1/services/{id}", path(id));
    expect(refused.response.status).toBe(502);
    expect(refused.error?.error).toMatch(/^LiveKit provisioning failed: deleteSipTrunk: injected failure/);
    expect((await api.GET("/api/v1/services/{id}", path(id))).response.status).toBe(200);
    expect((await api.DELETE("/api/v1/services/{id}", path(id))).response.status).toBe(204);
    expect(trunksOf(id)).toEqual([]);
    expect((await api.GET("/api/v1/services/{id}", path(id))).response.status).toBe(404);
  });

  it("starts a browser call: dispatches the agent to a new room and returns a 10-minute token for it", async () => {
    expect((await api.GET("/api/v1/voice/config")).data).toEqual({ mode: "livekit" });
    const id = await newService();
    const started = Date.now();
    const answer = await api.POST("/api/v1/services/{id}/browser-calls", path(id));
    expect(answer.response.status).toBe(201);
    const body = answer.data!;
    if (body.mode !== "livekit") throw new Error(`a ${body.mode} browser call`);
    const call = { body };
    expect(call.body.url).toBe(fake.url.replace("http", "ws"));
    expect(call.body.room).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const dispatch = fake.dispatches.find((d) => d.room === call.body.room);
    expect(dispatch).toMatchObject({ agentName: "phonemybot-e2e", metadata: JSON.stringify({ serviceId: id }) });
    const request = fake.requests.find((r) => r.method === "CreateDispatch" && r.body.room === call.body.room)!;
    expect(request.claims.video).toMatchObject({ roomAdmin: true, room: call.body.room });

    const claims = await new TokenVerifier(fake.apiKey, fake.apiSecret).verify(call.body.token);
    expect(claims.video).toMatchObject({ room: call.body.room, roomJoin: true, canPublish: true, canSubscribe: true });
    expect(claims.video?.roomAdmin).toBeFalsy();
    expect(claims.sub).toMatch(/^browser-[0-9a-f-]{36}$/);
    const exp = (claims as { exp?: number }).exp!;
    expect(exp * 1000).toBeGreaterThanOrEqual(started + 595_000);
    expect(exp * 1000).toBeLessThanOrEqual(Date.now() + 605_000);
    await expect(new TokenVerifier(fake.apiKey, "another-secret-0123456789abcdefgh").verify(call.body.token)).rejects.toThrow();

    // Someone else's service is not found; a refused dispatch is a 502 with LiveKit's reason.
    expect((await api.POST("/api/v1/services/{id}/browser-calls", path("svc_nope"))).response.status).toBe(404);
    fake.failNext("CreateDispatch");
    const refused = await api.POST("/api/v1/services/{id}/browser-calls", path(id));
    expect(refused.response.status).toBe(502);
    expect(refused.error?.error).toMatch(/^LiveKit agent dispatch failed: injected failure of CreateDispatch/);
  });
});

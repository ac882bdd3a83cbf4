import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ClaimGrants, TokenVerifier } from "livekit-server-sdk";

/** One request the fake received: the Twirp method, its JSON body and the verified token's grants. */
export interface LiveKitRequest {
  service: string;
  method: string;
  body: any;
  claims: ClaimGrants;
}

export interface FakeTrunk {
  sipTrunkId: string;
  name: string;
  metadata: string;
  numbers: string[];
  [field: string]: unknown;
}

export interface FakeRule {
  sipDispatchRuleId: string;
  [field: string]: unknown;
}

export interface FakeLiveKit {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Every authenticated request, in arrival order (including the ones answered with an injected failure). */
  requests: LiveKitRequest[];
  trunks: Map<string, FakeTrunk>;
  /** Outbound trunks (calls started by the bot), with what was sent (the auth password included). */
  outboundTrunks: Map<string, FakeTrunk>;
  rules: Map<string, FakeRule>;
  /** SIP participants dialed by `CreateSIPParticipant` (only those the callee answered). */
  participants: any[];
  /** How a number answers `CreateSIPParticipant`: a SIP failure (e.g. 486 Busy Here); any other number answers. */
  sipAnswers: Map<string, { sipStatus: number; reason: string }>;
  /** Numbers that ring this long (ms) before they answer; a room deleted meanwhile cancels the call (SIP 487). */
  sipRinging: Map<string, number>;
  dispatches: any[];
  /** Rooms that exist (a test adds its call's room); `DeleteRoom` removes one, and answers 404 for one that does not. */
  rooms: Set<string>;
  /**
   * Transfers LiveKit carried out (`TransferSIPParticipant` answered OK). A destination whose digits end in `0486`
   * answers 486 Busy Here and one ending in `0603` 603 Decline, as LiveKit reports a SIP failure: a Twirp error whose
   * metadata carries `sip_status_code` and `sip_status`.
   */
  transfers: { roomName: string; participantIdentity: string; transferTo: string; playDialtone: boolean; ringingTimeout?: string }[];
  /** The next `times` calls of `method` (e.g. "CreateSIPDispatchRule") answer `status` with a Twirp error. */
  failNext(method: string, times?: number, status?: number): void;
  /** Requests that change something (not List*). */
  writes(): LiveKitRequest[];
  close(): Promise<void>;
}

/** Transfer destinations the fake's far end refuses, by the digits they end in: [suffix, SIP status, reason phrase]. */
const SIP_FAILURES: [string, number, string][] = [
  ["0486", 486, "Busy Here"],
  ["0603", 603, "Decline"],
];

const SIP_METHODS = new Set([
  "CreateSIPInboundTrunk",
  "ListSIPInboundTrunk",
  "UpdateSIPInboundTrunk",
  "DeleteSIPTrunk",
  "CreateSIPDispatchRule",
  "ListSIPDispatchRule",
  "UpdateSIPDispatchRule",
  "DeleteSIPDispatchRule",
  "CreateSIPOutboundTrunk",
  "ListSIPOutboundTrunk",
  "UpdateSIPOutboundTrunk",
]);

/**
 * LiveKit's server API as far as we use it: Twirp JSON over HTTP on loopback (`POST /twirp/livekit.<Service>/<Method>`).
 * Like LiveKit, it checks the `Authorization: Bearer <JWT>` (signed with the API secret, issued to the API key) and
 * its grants: `sip.admin` for the SIP service, `video.roomAdmin` for the dispatch's room, `video.roomCreate` to delete
 * a room, `sip.call` and `video.roomAdmin` on the room to transfer a SIP participant, `video.roomCreate` to create a
 * room (with the agents to dispatch to it), `sip.call` to dial
 * (`CreateSIPParticipant`, into an existing room on an existing outbound trunk; a number in `sipAnswers` fails with
 * its SIP status in the error's `meta`, as LiveKit's SIP service does). It keeps trunks, dispatch rules and rooms in memory, refuses two inbound trunks with the same number as
 * LiveKit does, and records everything.
 */
export async function startFakeLiveKit(apiKey = "APIfake", apiSecret = "fake-livekit-secret-0123456789abcdef"): Promise<FakeLiveKit> {
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const requests: LiveKitRequest[] = [];
  const trunks = new Map<string, FakeTrunk>();
  const outboundTrunks = new Map<string, FakeTrunk>();
  const participants: any[] = [];
  const sipAnswers = new Map<string, { sipStatus: number; reason: string }>();
  const sipRinging = new Map<string, number>();
  const rules = new Map<string, FakeRule>();
  const dispatches: any[] = [];
  const rooms = new Set<string>();
  const transfers: FakeLiveKit["transfers"] = [];
  const failures = new Map<string, { times: number; status: number }>();
  let seq = 0;
  const newId = (prefix: string) => `${prefix}_${(++seq).toString().padStart(6, "0")}`;

  function conflict(numbers: string[], except?: string): string | undefined {
    for (const t of trunks.values()) {
      if (t.sipTrunkId === except) continue;
      const shared = t.numbers.find((n) => numbers.includes(n));
      if (shared) return `Conflicting inbound SIP Trunks: "${except ?? "<new>"}" and "${t.sipTrunkId}", using the same number(s) [${shared}]`;
    }
    return undefined;
  }

  async function handle(method: string, body: any): Promise<[number, unknown]> {
    if (method === "CreateSIPParticipant" && sipRinging.has(body.sipCallTo)) {
      await new Promise((resolve) => setTimeout(resolve, sipRinging.get(body.sipCallTo)));
      if (!rooms.has(body.roomName)) {
        return [503, { code: "unavailable", msg: "call cancelled", meta: { sip_status_code: "487", sip_status: "Request Terminated" } }];
      }
    }
    switch (method) {
      case "ListSIPInboundTrunk":
        return [200, { items: [...trunks.values()] }];
      case "ListSIPDispatchRule":
        return [200, { items: [...rules.values()] }];
      case "CreateSIPInboundTrunk": {
        const trunk = { ...body.trunk, numbers: body.trunk?.numbers ?? [], sipTrunkId: newId("ST") } as FakeTrunk;
        const clash = conflict(trunk.numbers);
        if (clash) return [400, { code: "invalid_argument", msg: clash }];
        trunks.set(trunk.sipTrunkId, trunk);
        return [200, trunk];
      }
      case "UpdateSIPInboundTrunk": {
        if (!trunks.has(body.sipTrunkId)) return [404, { code: "not_found", msg: "trunk not found" }];
        if (!body.replace) return [400, { code: "invalid_argument", msg: "only replace is implemented by the fake" }];
        const trunk = { ...body.replace, numbers: body.replace.numbers ?? [], sipTrunkId: body.sipTrunkId } as FakeTrunk;
        const clash = conflict(trunk.numbers, body.sipTrunkId);
        if (clash) return [400, { code: "invalid_argument", msg: clash }];
        trunks.set(trunk.sipTrunkId, trunk);
        return [200, trunk];
      }
      case "DeleteSIPTrunk": {
        const trunk = trunks.get(body.sipTrunkId) ?? outboundTrunks.get(body.sipTrunkId);
        if (!trunk) return [404, { code: "not_found", msg: "trunk not found" }];
        trunks.delete(body.sipTrunkId);
        outboundTrunks.delete(body.sipTrunkId);
        return [200, trunk];
      }
      case "ListSIPOutboundTrunk":
        return [200, { items: [...outboundTrunks.values()] }];
      case "CreateSIPOutboundTrunk": {
        if (!body.trunk?.address) return [400, { code: "invalid_argument", msg: "no trunk address" }];
        const trunk = { ...body.trunk, numbers: body.trunk.numbers ?? [], sipTrunkId: newId("ST") } as FakeTrunk;
        outboundTrunks.set(trunk.sipTrunkId, trunk);
        return [200, trunk];
      }
      case "UpdateSIPOutboundTrunk": {
        if (!outboundTrunks.has(body.sipTrunkId)) return [404, { code: "not_found", msg: "trunk not found" }];
        if (!body.replace) return [400, { code: "invalid_argument", msg: "only replace is implemented by the fake" }];
        const trunk = { ...body.replace, numbers: body.replace.numbers ?? [], sipTrunkId: body.sipTrunkId } as FakeTrunk;
        outboundTrunks.set(trunk.sipTrunkId, trunk);
        return [200, trunk];
      }
      case "CreateRoom": {
        rooms.add(body.name);
        for (const agent of body.agents ?? []) dispatches.push({ id: newId("AD"), agentName: agent.agentName, room: body.name, metadata: agent.metadata ?? "" });
        return [200, { sid: newId("RM"), name: body.name, emptyTimeout: body.emptyTimeout ?? 0 }];
      }
      case "CreateSIPParticipant": {
        if (!outboundTrunks.has(body.sipTrunkId)) return [400, { code: "invalid_argument", msg: `unknown outbound trunk ${body.sipTrunkId}` }];
        if (!rooms.has(body.roomName)) return [404, { code: "not_found", msg: "requested room does not exist" }];
        const failure = sipAnswers.get(body.sipCallTo);
        if (failure) {
          return [503, { code: "unavailable", msg: "INVITE failed", meta: { sip_status_code: String(failure.sipStatus), sip_status: failure.reason } }];
        }
        const participant = { participantId: newId("PA"), participantIdentity: body.participantIdentity, roomName: body.roomName, sipCallId: newId("SCL"), request: body };
        participants.push(participant);
        return [200, participant];
      }
      case "CreateSIPDispatchRule": {
        for (const id of body.trunkIds ?? []) if (!trunks.has(id)) return [400, { code: "invalid_argument", msg: `unknown trunk ${id}` }];
        const { rule, trunkIds, hidePhoneNumber, name, metadata, attributes, roomPreset, roomConfig } = body;
        const info = { sipDispatchRuleId: newId("SDR"), rule, trunkIds, hidePhoneNumber, name, metadata, attributes, roomPreset, roomConfig };
        rules.set(info.sipDispatchRuleId, info);
        return [200, info];
      }
      case "DeleteSIPDispatchRule": {
        const rule = rules.get(body.sipDispatchRuleId);
        if (!rule) return [404, { code: "not_found", msg: "dispatch rule not found" }];
        rules.delete(body.sipDispatchRuleId);
        return [200, rule];
      }
      case "CreateDispatch": {
        const dispatch = { id: newId("AD"), agentName: body.agentName, room: body.room, metadata: body.metadata ?? "" };
        dispatches.push(dispatch);
        return [200, dispatch];
      }
      case "TransferSIPParticipant": {
        if (!rooms.has(body.roomName)) return [404, { code: "not_found", msg: "requested room does not exist" }];
        if (!body.participantIdentity || !body.transferTo) return [400, { code: "invalid_argument", msg: "participant identity and transfer destination are required" }];
        const failure = SIP_FAILURES.find(([suffix]) => String(body.transferTo).replace(/\D/g, "").endsWith(suffix));
        if (failure) {
          const [, code, phrase] = failure;
          return [503, { code: "unavailable", msg: `transfer failed: ${code} ${phrase}`, meta: { sip_status_code: String(code), sip_status: phrase } }];
        }
        const { roomName, participantIdentity, transferTo, playDialtone = false, ringingTimeout } = body;
        transfers.push({ roomName, participantIdentity, transferTo, playDialtone, ...(ringingTimeout ? { ringingTimeout } : {}) });
        return [200, {}];
      }
      case "DeleteRoom": {
        if (!rooms.delete(body.room)) return [404, { code: "not_found", msg: "requested room does not exist" }];
        return [200, {}];
      }
      default:
        return [404, { code: "bad_route", msg: `no handler for ${method}` }];
    }
  }

  const server = createServer(async (req, res) => {
    const match = /^\/twirp\/livekit\.([A-Za-z]+)\/([A-Za-z]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return reply(res, 404, { code: "bad_route", msg: `${req.method} ${req.url}` });
    const [, service, method] = match as unknown as [string, string, string];
    const text = await readBody(req);
    let claims: ClaimGrants;
    try {
      const header = req.headers.authorization ?? "";
      if (!header.startsWith("Bearer ")) throw new Error("missing bearer token");
      claims = await verifier.verify(header.slice("Bearer ".length));
    } catch (error) {
      return reply(res, 401, { code: "unauthenticated", msg: `invalid token: ${(error as Error).message}` });
    }
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return reply(res, 400, { code: "malformed", msg: "body is not JSON" });
    }
    requests.push({ service, method, body, claims });
    if (service === "SIP" && method === "TransferSIPParticipant") {
      // What livekit-server-sdk signs for it: roomAdmin on the call's room and the SIP call grant.
      if (!claims.sip?.call || !claims.video?.roomAdmin || claims.video.room !== body.roomName) {
        return reply(res, 403, { code: "permission_denied", msg: "requires the SIP call grant and roomAdmin for the room" });
      }
    } else if (service === "SIP" && SIP_METHODS.has(method)) {
      if (!claims.sip?.admin) return reply(res, 403, { code: "permission_denied", msg: "requires SIP admin grant" });
    } else if (service === "AgentDispatchService" && method === "CreateDispatch") {
      if (!claims.video?.roomAdmin || claims.video.room !== body.room) return reply(res, 403, { code: "permission_denied", msg: "requires roomAdmin for the room" });
    } else if (service === "SIP" && method === "CreateSIPParticipant") {
      if (!claims.sip?.call) return reply(res, 403, { code: "permission_denied", msg: "requires SIP call grant" });
    } else if (service === "RoomService" && (method === "DeleteRoom" || method === "CreateRoom")) {
      if (!claims.video?.roomCreate) return reply(res, 403, { code: "permission_denied", msg: "requires roomCreate" });
    } else {
      return reply(res, 404, { code: "bad_route", msg: `no handler for ${service}/${method}` });
    }
    const failure = failures.get(method);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      return reply(res, failure.status, { code: "internal", msg: `injected failure of ${method}` });
    }
    const [status, answer] = await handle(method, body);
    reply(res, status, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    requests,
    trunks,
    outboundTrunks,
    rules,
    participants,
    sipAnswers,
    sipRinging,
    dispatches,
    rooms,
    transfers,
    failNext: (method, times = 1, status = 500) => void failures.set(method, { times, status }),
    writes: () => requests.filter((r) => !r.method.startsWith("List")),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function reply(res: ServerResponse, status: number, body: unknown) {
  // Exactly `application/json`: the SDK only reads Twirp error messages from responses with that content type.
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

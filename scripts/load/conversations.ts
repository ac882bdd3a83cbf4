import type { GatewayMessage } from "../../protocol/messaging.ts";
import type { LoadBot } from "./bot.ts";
import { type GatewayClient, runPool } from "./gateway.ts";
import { ErrorTally, insist, ledger } from "./tally.ts";

export interface LoadService {
  serviceId: string;
  /** The API key header (management API) and the service token header (send API). */
  auth: Record<string, string>;
  botAuth: Record<string, string>;
}

/** What the gateway accepted for one conversation, each way, in the order it was accepted. */
export interface Accepted {
  conversation: string;
  /** The management API key header of the call's account (to read its transcript). */
  auth: Record<string, string>;
  toBot: string[];
  toCall: string[];
  /** False when the messages to the call were sent in parallel, so their order says nothing. */
  ordered: boolean;
}

export interface ConversationsResult {
  /** Caller's utterance request leaving → the bot receiving the text (first tries only). */
  callerToBot: number[];
  /** The send API's round trip, answered once the message is recorded on the call (first tries only). */
  botToCall: number[];
  /** Messages that went through during the timed run: to the bot (new, utterances, last) and the bot's replies. */
  messages: number;
  seconds: number;
  /** Conversations given up after a request failed for good (counted in `errors`). */
  abandoned: number;
  accepted: Accepted[];
}

const keyOf = (message: Pick<GatewayMessage, "new" | "last" | "body">) =>
  String(message.new) === "true" ? "<new>" : String(message.last) === "true" ? "<last>" : message.body;

/**
 * `count` simulated conversations, `concurrency` at a time: the call starts (the bot gets `new`), then `exchanges`
 * times the caller speaks (timed until the bot has it) and the bot answers through the send API (timed until it is
 * recorded), then the caller hangs up (the bot gets `last`). A request that fails is tried again (insist) and tallied
 * in `errors`; a message that is late is tallied too, and checked for later (`checkArrivals`). Nothing here throws
 * for what the server does.
 */
export async function runConversations(
  { client, bot, service, errors }: { client: GatewayClient; bot: LoadBot; service: LoadService; errors: ErrorTally },
  { count, exchanges, concurrency, arrivalTimeoutMs = 60_000 }: { count: number; exchanges: number; concurrency: number; arrivalTimeoutMs?: number },
): Promise<ConversationsResult> {
  const { serviceId, auth, botAuth } = service;
  const result: ConversationsResult = { callerToBot: [], botToCall: [], messages: 0, seconds: 0, abandoned: 0, accepted: [] };
  /** When the message reaches the bot, or undefined (tallied as late) if it does not in time. */
  const arrival = async (conversation: string, body: string, what: string) => {
    const at = await bot.arrival(conversation, body, arrivalTimeoutMs).catch(() => undefined);
    if (at === undefined) errors.add(`${what}: not at the bot within ${arrivalTimeoutMs / 1000} s`);
    else result.messages++;
    return at;
  };

  const started = performance.now();
  await runPool(count, concurrency, async (i) => {
    const from = `+1415555${String(i % 10000).padStart(4, "0")}`;
    const created = await insist(() => client.request(`/api/v1/services/${serviceId}/calls`, "POST", { from }, auth), 201, "start call", errors);
    if (!created) return void result.abandoned++;
    const conversation = created.answer.body.conversation as string;
    const accepted: Accepted = { conversation, auth, toBot: ["<new>"], toCall: [], ordered: true };
    result.accepted.push(accepted);
    await arrival(conversation, "<new>", "new");

    let gaveUp = false;
    for (let turn = 0; turn < exchanges && !gaveUp; turn++) {
      const text = `caller turn ${turn}`;
      const said = await insist(() => client.request(`/api/v1/calls/${conversation}/utterances`, "POST", { text }, auth), 202, "utterance", errors);
      if (!said) {
        gaveUp = true;
        break;
      }
      accepted.toBot.push(text);
      const at = await arrival(conversation, text, "utterance");
      if (at !== undefined && said.tries === 1) result.callerToBot.push(at - said.answer.sentAt);

      const body = `bot turn ${turn}`;
      const reply = await insist(
        () => client.request(`/cloudengine/rest/voicebot/send/${conversation}`, "POST", { conversation, body, opaque: `${turn}` }, botAuth),
        200,
        "send",
        errors,
      );
      const answeredAt = performance.now();
      if (!reply) {
        gaveUp = true;
        break;
      }
      accepted.toCall.push(body);
      result.messages++;
      if (reply.tries === 1) result.botToCall.push(answeredAt - reply.answer.sentAt);
    }
    if (gaveUp) result.abandoned++;
    const hungUp = await insist(() => client.request(`/api/v1/calls/${conversation}`, "DELETE", undefined, auth), 204, "hang up", errors);
    if (!hungUp) return;
    accepted.toBot.push("<last>");
    await arrival(conversation, "<last>", "last");
  });
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * After a run: waits (up to `graceMs` in all) for what the bot has not received yet, then compares, for each
 * conversation, what the gateway accepted with what arrived: at the bot, and in the call's transcript.
 */
export async function checkArrivals(
  { client, bot, errors }: { client: GatewayClient; bot: LoadBot; errors: ErrorTally },
  accepted: readonly Accepted[],
  graceMs = 60_000,
): Promise<{ lost: number; duplicated: number; outOfOrder: number; unchecked: number }> {
  const deadline = performance.now() + graceMs;
  const totals = { lost: 0, duplicated: 0, outOfOrder: 0, unchecked: 0 };
  const add = (counts: { lost: number; duplicated: number; outOfOrder: number }) => {
    totals.lost += counts.lost;
    totals.duplicated += counts.duplicated;
    totals.outOfOrder += counts.outOfOrder;
  };
  await runPool(accepted.length, 16, async (i) => {
    const { conversation, auth, toBot, toCall, ordered } = accepted[i]!;
    for (const body of toBot) await bot.arrival(conversation, body, Math.max(0, deadline - performance.now())).catch(() => undefined);
    add(ledger(toBot, bot.received(conversation).map(({ message }) => keyOf(message))));
    if (toCall.length === 0) return;
    const transcript = await insist(() => client.request(`/api/v1/calls/${conversation}`, "GET", undefined, auth), 200, "transcript", errors);
    if (!transcript) return void (totals.unchecked += toCall.length);
    const messages = transcript.answer.body.messages as { direction: string; body: string }[];
    const replies = ledger(toCall, messages.filter((m) => m.direction === "from_bot").map((m) => m.body));
    add(ordered ? replies : { ...replies, outOfOrder: 0 });
  });
  return totals;
}

/**
 * The send API alone, for comparison with the baseline route at the same concurrency: `count` messages spread over
 * `callsPerService` live calls of each service (started and hung up outside the timing). Several services, so that
 * no service token reaches its rate limit (2,000 messages per 10 s).
 */
export async function runSendsAlone(
  { client, services, errors }: { client: GatewayClient; services: readonly LoadService[]; errors: ErrorTally },
  { count, callsPerService, concurrency }: { count: number; callsPerService: number; concurrency: number },
): Promise<{ latencies: number[]; seconds: number; accepted: Accepted[] }> {
  const slots = services.flatMap((service) => Array.from({ length: callsPerService }, () => service));
  const started = await runPool(slots.length, concurrency, (i) =>
    insist(
      () => client.request(`/api/v1/services/${slots[i]!.serviceId}/calls`, "POST", { from: `+1415666${String(i).padStart(4, "0")}` }, slots[i]!.auth),
      201,
      "start call",
      errors,
    ),
  );
  const calls = started.flatMap((s, i) =>
    s ? [{ service: slots[i]!, accepted: { conversation: s.answer.body.conversation as string, auth: slots[i]!.auth, toBot: [], toCall: [], ordered: false } as Accepted }] : [],
  );
  const latencies: number[] = [];
  const t0 = performance.now();
  if (calls.length > 0) {
    await runPool(count, concurrency, async (i) => {
      const { service, accepted } = calls[i % calls.length]!;
      const body = `alone ${i}`;
      const reply = await insist(
        () =>
          client.request(`/cloudengine/rest/voicebot/send/${accepted.conversation}`, "POST", { conversation: accepted.conversation, body }, service.botAuth),
        200,
        "send alone",
        errors,
      );
      const answeredAt = performance.now();
      if (!reply) return;
      accepted.toCall.push(body);
      if (reply.tries === 1) latencies.push(answeredAt - reply.answer.sentAt);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  await runPool(calls.length, concurrency, (i) =>
    insist(() => client.request(`/api/v1/calls/${calls[i]!.accepted.conversation}`, "DELETE", undefined, calls[i]!.accepted.auth), 204, "hang up", errors),
  );
  return { latencies, seconds, accepted: calls.map((c) => c.accepted) };
}

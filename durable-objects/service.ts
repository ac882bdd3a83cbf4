import type { LatencyDay, TurnSpans } from "../protocol/turns.ts";
import { createLatencySchema, readLatencyDays, recordTurnLatency } from "./service-latency.ts";
import { logEvent } from "../worker/log.ts";
import { logServiceEvent } from "./service-log.ts";
import { DurableObject } from "cloudflare:workers";
import type {
  CallSummary,
  CallTransfer,
  TestSession,
  EndReason,
  Provisioning,
  Service,
  ServiceEvent,
  ServiceLogEntry,
  ServicePatch,
  ServiceWithToken,
  UsageDay,
} from "../protocol/management.ts";
import { CALL_LIMITS } from "../protocol/management.ts";
import { type ServiceSettings, SETTINGS_FIELDS, mergeSettings, settingsView, settingsWithDefaults } from "../protocol/service-settings.ts";
import { NO_BOT_PLATFORM } from "../protocol/settings/bot-platform.ts";
import { type Env, conversationStub, directory } from "./bindings.ts";
import { randomBase64Url, sha256Hex } from "../worker/secrets.ts";
import { parseTimeout } from "./delivery-policy.ts";
import { type OutboundRequest, decideOutbound } from "./outbound-admission.ts";
import { outboundOf } from "../protocol/settings/outbound.ts";
import type { CallFailure } from "../protocol/management.ts";
import type { DeliveryTarget, ServiceLink } from "./service-link.ts";
import { UntoldCalls } from "./untold-calls.ts";

interface ConfigRow {
  id: string;
  account_id: string;
  name: string;
  language: string;
  numbers: string;
  bot_url: string | null;
  bot_token: string | null;
  token_hash: string;
  /** Grows with every new token (and deletion): whoever keeps a copy of the token hash keeps the newest one. */
  config_version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  max_call_minutes: number;
  idle_timeout_minutes: number;
  /** The settings of protocol/service-settings.ts as saved, JSON. */
  settings: string;
  [key: string]: SqlStorageValue;
}

export interface RemovedService {
  /** The calls under way, and those ended lately. */
  calls: string[];
  /** Where their messages for the bot go, captured before the configuration was erased. */
  target: DeliveryTarget;
}

export interface StartedCall {
  to: string;
  language: string;
  demo: boolean;
  /** When the call reaches the service's maximum duration. */
  endsBy: number;
  /** How long a call no agent carries may go without a message. */
  idleMs: number;
  link: ServiceLink;
}

/** A call the bot may start (it is recorded, ringing), or why not. */
export type OutboundAdmission =
  | { ok: true; to: string; from: string; language: string; demo: boolean; link: ServiceLink; outboundTrunkId: string | null }
  | { ok: false; reason: "start not allowed" | "rejected"; why: string };

export const TEST_PIN_TTL_MS = 5 * 60_000;
/** A call ended this recently may still be retrying its last messages to the bot (about 32 s by default). */
const RECENTLY_ENDED_MS = 10 * 60_000;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

declare module "./bindings.ts" {
  interface DurableObjectClasses {
    SERVICES: ServiceObject;
  }
}

/** One subscription: its configuration, its PhoneMyBot token (hashed), its change log, its calls and usage. */
export class ServiceObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly untold: UntoldCalls;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.untold = new UntoldCalls(this.sql);
    createLatencySchema(this.sql);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS config (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, language TEXT NOT NULL,
        numbers TEXT NOT NULL, bot_url TEXT, bot_token TEXT, token_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deleted_at INTEGER);
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, fields TEXT);
      CREATE TABLE IF NOT EXISTS calls (
        conversation TEXT PRIMARY KEY, from_number TEXT NOT NULL, to_number TEXT NOT NULL,
        started_at INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT, failed_deliveries INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS calls_by_start ON calls (started_at);
      CREATE TABLE IF NOT EXISTS test_sessions (
        id TEXT PRIMARY KEY, pin TEXT NOT NULL, expires_at INTEGER NOT NULL, conversation TEXT);
      CREATE TABLE IF NOT EXISTS usage_daily (
        day TEXT PRIMARY KEY, calls INTEGER NOT NULL DEFAULT 0, seconds INTEGER NOT NULL DEFAULT 0,
        minutes INTEGER NOT NULL DEFAULT 0, stt_seconds INTEGER NOT NULL DEFAULT 0,
        tts_characters INTEGER NOT NULL DEFAULT 0, peak INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS provisioning (
        one INTEGER PRIMARY KEY CHECK (one = 1), state TEXT NOT NULL, error TEXT, at INTEGER NOT NULL);
    `);
    // Columns that services stored by older versions lack.
    const columns = (table: string) => new Set(this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((c) => c.name));
    if (!columns("events").has("error")) this.sql.exec("ALTER TABLE events ADD COLUMN error TEXT");
    const config = columns("config");
    if (!config.has("max_call_minutes")) {
      this.sql.exec(`ALTER TABLE config ADD COLUMN max_call_minutes INTEGER NOT NULL DEFAULT ${CALL_LIMITS.maxCallMinutes.default}`);
    }
    if (!config.has("idle_timeout_minutes")) {
      this.sql.exec(`ALTER TABLE config ADD COLUMN idle_timeout_minutes INTEGER NOT NULL DEFAULT ${CALL_LIMITS.idleTimeoutMinutes.default}`);
    }
    if (!config.has("settings")) this.sql.exec("ALTER TABLE config ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'");
    if (!columns("calls").has("transfer_to")) {
      this.sql.exec("ALTER TABLE calls ADD COLUMN transfer_to TEXT");
      this.sql.exec("ALTER TABLE calls ADD COLUMN transfer_result TEXT");
    }
    // The version that live calls and the Directory's token index keep the newest of.
    if (!config.has("config_version")) this.sql.exec("ALTER TABLE config ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0");
    if (!columns("calls").has("direction")) {
      this.sql.exec("ALTER TABLE calls ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound'");
      this.sql.exec("ALTER TABLE calls ADD COLUMN ringing INTEGER NOT NULL DEFAULT 0");
      this.sql.exec("ALTER TABLE calls ADD COLUMN sip_status INTEGER");
      this.sql.exec("ALTER TABLE calls ADD COLUMN failure_reason TEXT");
    }
    // The outbound trunk LiveKit dials this service's calls through (worker/livekit/outbound-trunk.ts).
    if (!config.has("outbound_trunk_id")) this.sql.exec("ALTER TABLE config ADD COLUMN outbound_trunk_id TEXT");
    if (!columns("calls").has("ends_by")) {
      this.sql.exec("ALTER TABLE calls ADD COLUMN ends_by INTEGER");
      this.sql.exec("UPDATE calls SET ends_by = started_at + ?", CALL_LIMITS.maxCallMinutes.default * 60_000);
    }
  }

  /** How many ms a "minute" of the call limits lasts (CALL_LIMIT_MINUTE_MS: shorter in tests). */
  private minuteMs(): number {
    return parseTimeout(this.env.CALL_LIMIT_MINUTE_MS, 60_000);
  }

  private config(): ConfigRow | undefined {
    const row = this.sql.exec<ConfigRow>("SELECT * FROM config").toArray()[0];
    return row && row.deleted_at === null ? row : undefined;
  }

  private logEvent(type: ServiceLogEntry["type"], fields?: string[], error?: string) {
    logServiceEvent(this.sql.exec<ConfigRow>("SELECT * FROM config").toArray()[0], type, fields, error);
    this.sql.exec(
      "INSERT INTO events (at, type, fields, error) VALUES (?, ?, ?, ?)",
      Date.now(),
      type,
      fields ? JSON.stringify(fields) : null,
      error ?? null,
    );
  }

  private provisioning(): Provisioning | undefined {
    const row = this.sql.exec<{ state: "ok" | "failed"; error: string | null; at: number }>("SELECT * FROM provisioning").toArray()[0];
    return row && { state: row.state, ...(row.error !== null ? { error: row.error } : {}), at: iso(row.at) };
  }

  /** The outcome of making LiveKit match this service's numbers (worker/livekit/provision.ts); logged as an event. */
  recordProvisioning(result: { ok: true } | { ok: false; error: string }): Provisioning | null {
    if (!this.config()) return null;
    const error = result.ok ? null : result.error;
    this.sql.exec(
      "INSERT INTO provisioning (one, state, error, at) VALUES (1, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET state = excluded.state, error = excluded.error, at = excluded.at",
      result.ok ? "ok" : "failed",
      error,
      Date.now(),
    );
    this.logEvent(result.ok ? "provisioned" : "provisioning_failed", undefined, error ?? undefined);
    return this.provisioning()!;
  }

  /** Issues a new PhoneMyBot token; the previous one stops working before this returns. */
  private async issueToken(): Promise<string> {
    const token = randomBase64Url(32);
    this.sql.exec("UPDATE config SET token_hash = ?, config_version = config_version + 1", await sha256Hex(token));
    this.logEvent("token_issued");
    await this.publish();
    return token;
  }

  /** What a live call keeps of this service (durable-objects/service-link.ts). */
  link(): ServiceLink {
    const row = this.sql.exec<ConfigRow>("SELECT * FROM config").toArray()[0];
    if (!row) return { version: 0, tokenHash: "", target: null };
    return {
      version: row.config_version,
      tokenHash: row.token_hash,
      target: row.deleted_at === null ? targetOf(row) : null,
      accountId: row.account_id,
      settings: settingsOf(row),
    };
  }

  /**
   * Gives the current token hash to the Directory's token index and the current link to every live call, and
   * returns once all have it: from then on the previous token fails and a new bot URL is used. A call that cannot be
   * reached after a second try is left to the service's alarm, and the change is answered with its token
   * (durable-objects/untold-calls.ts).
   */
  private async publish(): Promise<void> {
    const link = this.link();
    const row = this.sql.exec<{ id: string; account_id: string }>("SELECT id, account_id FROM config").one();
    const untold: string[] = [];
    await Promise.all([
      directory(this.env).recordServiceToken(row.id, link.tokenHash, link.version),
      ...this.liveCalls().map(async (conversation) => {
        if (await this.tellCall(conversation, link)) this.untold.remove(conversation);
        else untold.push(conversation);
      }),
    ]);
    if (untold.length === 0) return;
    this.untold.add(untold);
    logEvent("service_link_untold", { serviceId: row.id, accountId: row.account_id, calls: untold.length });
    await this.scheduleUntoldRound();
  }

  /** The conversations of this service's calls that have not ended. */
  private liveCalls(): string[] {
    return this.sql.exec<{ conversation: string }>("SELECT conversation FROM calls WHERE ended_at IS NULL").toArray().map((c) => c.conversation);
  }

  /** Gives `link` to a live call, with a second try; false when the call could not be reached. */
  private async tellCall(conversation: string, link: ServiceLink): Promise<boolean> {
    const tell = () => conversationStub(this.env, conversation).serviceChanged(link);
    return tell().catch(tell).then(
      () => true,
      () => false,
    );
  }

  private async scheduleUntoldRound(): Promise<void> {
    const inMs = this.untold.nextRoundInMs();
    if (inMs !== null) await this.ctx.storage.setAlarm(Date.now() + inMs);
  }

  /** A round of telling the calls that missed a change the newest link; calls that have ended since are let be. */
  override async alarm(): Promise<void> {
    const link = this.link();
    const live = new Set(this.liveCalls());
    for (const { conversation } of this.untold.list()) {
      if (!live.has(conversation) || (await this.tellCall(conversation, link))) this.untold.remove(conversation);
      else this.untold.failedAgain(conversation);
    }
    await this.scheduleUntoldRound();
  }

  private toView(row: ConfigRow): Service {
    const provisioning = this.provisioning();
    return {
      id: row.id,
      name: row.name,
      language: row.language,
      numbers: JSON.parse(row.numbers) as string[],
      botUrl: row.bot_url,
      botTokenSet: row.bot_token !== null,
      demo: row.bot_url === null,
      maxCallMinutes: row.max_call_minutes,
      idleTimeoutMinutes: row.idle_timeout_minutes,
      ...settingsView(settingsOf(row)),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      ...(provisioning ? { provisioning } : {}),
    };
  }

  private withToken(token: string): ServiceWithToken {
    return { ...this.toView(this.config()!), token };
  }

  async create(input: { id: string; accountId: string; name: string; language: string }): Promise<ServiceWithToken> {
    if (this.sql.exec("SELECT 1 FROM config").toArray().length > 0) throw new Error(`service ${input.id} exists`);
    const now = Date.now();
    this.sql.exec(
      `INSERT INTO config (id, account_id, name, language, numbers, token_hash, config_version, created_at, updated_at)
       VALUES (?, ?, ?, ?, '[]', '', 0, ?, ?)`,
      input.id,
      input.accountId,
      input.name,
      input.language,
      now,
      now,
    );
    this.logEvent("created", ["name", "language"]);
    return this.withToken(await this.issueToken());
  }

  view(): Service | null {
    const row = this.config();
    return row ? this.toView(row) : null;
  }

  async reconfigure(patch: ServicePatch): Promise<ServiceWithToken | null> {
    if (!this.config()) return null;
    const columns = {
      name: ["name", patch.name],
      language: ["language", patch.language],
      numbers: ["numbers", patch.numbers && JSON.stringify(patch.numbers)],
      botUrl: ["bot_url", patch.botUrl],
      botToken: ["bot_token", patch.botToken],
      maxCallMinutes: ["max_call_minutes", patch.maxCallMinutes],
      idleTimeoutMinutes: ["idle_timeout_minutes", patch.idleTimeoutMinutes],
    } as const;
    const changed = Object.entries(columns).filter(([, [, value]]) => value !== undefined);
    for (const [, [column, value]] of changed) this.sql.exec(`UPDATE config SET ${column} = ?`, value!);
    const settingsChanged = SETTINGS_FIELDS.filter((field) => patch[field] !== undefined);
    if (settingsChanged.length > 0) {
      const settings = mergeSettings(settingsOf(this.config()!), patch);
      this.sql.exec("UPDATE config SET settings = ?", JSON.stringify(settings));
    }
    this.sql.exec("UPDATE config SET updated_at = ?", Date.now());
    this.logEvent(
      "reconfigured",
      [...changed.map(([field]) => field), ...settingsChanged],
    );
    return this.withToken(await this.issueToken());
  }

  async resetDemo(): Promise<ServiceWithToken | null> {
    if (!this.config()) return null;
    this.sql.exec("UPDATE config SET bot_url = NULL, bot_token = NULL, updated_at = ?", Date.now());
    this.forgetBotPlatform();
    this.logEvent("demo_reset");
    return this.withToken(await this.issueToken());
  }

  /**
   * Deletes the service; null when there was none. Answers the calls that may still have messages for the bot (those
   * under way, which the caller ends, and those ended lately) and where those messages go: the configuration is gone,
   * and its token out of the Directory's index, once this returns, and no new call starts.
   */
  async remove(): Promise<RemovedService | null> {
    const row = this.config();
    if (!row) return null;
    const target = targetOf(row);
    const calls = this.sql
      .exec<{ conversation: string }>("SELECT conversation FROM calls WHERE ended_at IS NULL OR ended_at > ?", Date.now() - RECENTLY_ENDED_MS)
      .toArray();
    this.sql.exec("UPDATE config SET deleted_at = ?, token_hash = '', bot_token = NULL, config_version = config_version + 1", Date.now());
    this.forgetBotPlatform();
    this.logEvent("deleted");
    await directory(this.env).recordServiceToken(row.id, "", row.config_version + 1);
    return { calls: calls.map((c) => c.conversation), target };
  }

  /** Back to a messaging-API bot, the platform's credentials erased (the calls keep their own copy to finish with). */
  private forgetBotPlatform(): void {
    const row = this.sql.exec<ConfigRow>("SELECT * FROM config").one();
    this.sql.exec("UPDATE config SET settings = ?", JSON.stringify(mergeSettings(settingsOf(row), NO_BOT_PLATFORM)));
  }

  events(): ServiceLogEntry[] {
    return this.sql
      .exec<{ at: number; type: ServiceLogEntry["type"]; fields: string | null; error: string | null }>(
        "SELECT at, type, fields, error FROM events ORDER BY seq",
      )
      .toArray()
      .map(
        (row) =>
          ({
            at: iso(row.at),
            type: row.type,
            ...(row.fields ? { fields: JSON.parse(row.fields) as string[] } : {}),
            ...(row.error !== null ? { error: row.error } : {}),
          }) as ServiceLogEntry,
      );
  }

  /**
   * Records a call that was answered; null when the service does not exist (any more). A call placed without a
   * called number is taken to have called the service's first number. The call gets the service's link with its
   * start; from this write on, every change is pushed to it too.
   */
  callStarted(call: { conversation: string; from: string; to?: string; startedAt: number }): StartedCall | null {
    const row = this.config();
    if (!row) return null;
    const to = call.to || ((JSON.parse(row.numbers) as string[])[0] ?? "");
    const endsBy = call.startedAt + row.max_call_minutes * this.minuteMs();
    this.sql.exec(
      "INSERT INTO calls (conversation, from_number, to_number, started_at, ends_by) VALUES (?, ?, ?, ?, ?)",
      call.conversation,
      call.from,
      to,
      call.startedAt,
      endsBy,
    );
    const concurrent = this.countCall(call.startedAt);
    logEvent("call_started", { conversation: call.conversation, serviceId: row.id, accountId: row.account_id, demo: row.bot_url === null, concurrent });
    return { to, language: row.language, demo: row.bot_url === null, endsBy, idleMs: row.idle_timeout_minutes * this.minuteMs(), link: this.link() };
  }

  /** Counts a call answered at `startedAt` in the day's usage and peak. */
  private countCall(startedAt: number): number {
    // The calls under way when this one started, itself included (not those still ringing). A call never marked
    // ended (its object lost) is taken to have ended at its maximum duration, as it would have.
    const concurrent = this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM calls WHERE ringing = 0 AND started_at <= ? AND coalesce(ended_at, ends_by) > ?",
        startedAt,
        startedAt,
      )
      .one().n;
    this.sql.exec(
      `INSERT INTO usage_daily (day, calls, peak) VALUES (?, 1, ?)
       ON CONFLICT (day) DO UPDATE SET calls = calls + 1, peak = max(peak, excluded.peak)`,
      day(startedAt),
      concurrent,
    );
    return concurrent;
  }

  /** The agent reports a call's speech every 15 s and at its end: seconds are summed as they come (an INTEGER column keeps a fraction as REAL), rounded when read. */
  addSpeechUsage(startedAt: number, sttSeconds: number, ttsCharacters: number): void {
    this.sql.exec(
      "UPDATE usage_daily SET stt_seconds = stt_seconds + ?, tts_characters = tts_characters + ? WHERE day = ?",
      sttSeconds,
      ttsCharacters,
      day(startedAt),
    );
  }

  /** A TEST-button session: a 4-digit PIN, valid for five minutes and for one call. */
  createTestSession(): TestSession | null {
    if (!this.config()) return null;
    const now = Date.now();
    const inUse = new Set(
      this.sql
        .exec<{ pin: string }>("SELECT pin FROM test_sessions WHERE expires_at > ? AND conversation IS NULL", now)
        .toArray()
        .map((r) => r.pin),
    );
    let pin: string;
    do pin = String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000).padStart(4, "0");
    while (inUse.has(pin));
    const id = crypto.randomUUID();
    this.sql.exec("INSERT INTO test_sessions (id, pin, expires_at) VALUES (?, ?, ?)", id, pin, now + TEST_PIN_TTL_MS);
    return { id, pin, state: "waiting", conversation: null, expiresAt: iso(now + TEST_PIN_TTL_MS) };
  }

  testSession(id: string): Omit<TestSession, "pin"> | null {
    const row = this.sql
      .exec<{ id: string; expires_at: number; conversation: string | null }>("SELECT * FROM test_sessions WHERE id = ?", id)
      .toArray()[0];
    if (!row) return null;
    const state = row.conversation !== null ? "connected" : row.expires_at > Date.now() ? "waiting" : "expired";
    return { id: row.id, state, conversation: row.conversation, expiresAt: iso(row.expires_at) };
  }

  /** Binds the unexpired, unused session with this PIN to a call; false when there is none. */
  redeemPin(pin: string, conversation: string): boolean {
    const row = this.sql
      .exec<{ id: string }>("SELECT id FROM test_sessions WHERE pin = ? AND expires_at > ? AND conversation IS NULL", pin, Date.now())
      .toArray()[0];
    if (!row) return false;
    this.sql.exec("UPDATE test_sessions SET conversation = ? WHERE id = ?", conversation, row.id);
    return true;
  }

  callEnded(conversation: string, endedAt: number, endReason: EndReason): void {
    const call = this.sql
      .exec<{ started_at: number; ended_at: number | null; ringing: number }>("SELECT started_at, ended_at, ringing FROM calls WHERE conversation = ?", conversation)
      .toArray()[0];
    if (!call || call.ended_at !== null) return;
    if (call.ringing === 1) {
      // Ended before it was answered (the bot hung up, the service was deleted): never billed.
      this.sql.exec("UPDATE calls SET ended_at = ?, end_reason = ? WHERE conversation = ?", endedAt, endReason, conversation);
      return;
    }
    // Billed per started second, and each call per started minute.
    const seconds = Math.max(1, Math.ceil((endedAt - call.started_at) / 1000));
    this.sql.exec("UPDATE calls SET ended_at = ?, end_reason = ? WHERE conversation = ?", endedAt, endReason, conversation);
    const owner = this.sql.exec<ConfigRow>("SELECT * FROM config").toArray()[0];
    logEvent("call_ended", { conversation, serviceId: owner?.id, accountId: owner?.account_id, reason: endReason, seconds });
    this.sql.exec(
      "UPDATE usage_daily SET seconds = seconds + ?, minutes = minutes + ? WHERE day = ?",
      seconds,
      Math.ceil(seconds / 60),
      day(call.started_at),
    );
  }

  /** A call's transfer ended (or was refused): the call list shows it. */
  transferRecorded(conversation: string, transfer: CallTransfer): void {
    this.sql.exec("UPDATE calls SET transfer_to = ?, transfer_result = ? WHERE conversation = ?", transfer.to, transfer.result, conversation);
  }

  deliveryFailed(conversation: string): void {
    this.sql.exec("UPDATE calls SET failed_deliveries = failed_deliveries + 1 WHERE conversation = ?", conversation);
  }

  calls(limit: number, state?: CallSummary["state"]): CallSummary[] {
    const where = { ringing: "WHERE ended_at IS NULL AND ringing = 1", active: "WHERE ended_at IS NULL AND ringing = 0", ended: "WHERE ended_at IS NOT NULL" };
    return this.sql
      .exec<{
        conversation: string;
        from_number: string;
        to_number: string;
        started_at: number;
        ended_at: number | null;
        end_reason: EndReason | null;
        failed_deliveries: number;
        transfer_to: string | null;
        transfer_result: CallTransfer["result"] | null;
        direction: "inbound" | "outbound";
        ringing: number;
        sip_status: number | null;
        failure_reason: string | null;
      }>(`SELECT * FROM calls ${state ? where[state] : ""} ORDER BY started_at DESC LIMIT ?`, limit)
      .toArray()
      .map((row) => ({
        conversation: row.conversation,
        from: row.from_number,
        to: row.to_number,
        state: row.ended_at !== null ? "ended" : row.ringing === 1 ? "ringing" : "active",
        direction: row.direction,
        failure: row.sip_status === null ? null : { sipStatus: row.sip_status, reason: row.failure_reason ?? "" },
        startedAt: iso(row.started_at),
        endedAt: row.ended_at === null ? null : iso(row.ended_at),
        endReason: row.end_reason,
        failedDeliveries: row.failed_deliveries,
        transfer: row.transfer_to !== null && row.transfer_result !== null ? { to: row.transfer_to, result: row.transfer_result } : null,
      }));
  }

  // ---- calls started by the bot (outbound) -----------------------------------------------------------------

  /**
   * The bot asks to start a call (send API with `new`). When the service allows it, the call is recorded as ringing
   * (it counts against `maxConcurrent` from this write on, so two requests cannot both take the last place).
   */
  outboundRequested(request: OutboundRequest & { placedAt: number; ringMs: number }): OutboundAdmission {
    const row = this.config();
    if (!row) return { ok: false, reason: "start not allowed", why: "no such service" };
    const decision = decideOutbound(request, {
      outbound: outboundOf(settingsOf(row).outbound),
      numbers: JSON.parse(row.numbers) as string[],
      idInUse: this.sql.exec("SELECT 1 FROM calls WHERE conversation = ?", request.conversation).toArray().length > 0,
      outboundUnderWay: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM calls WHERE direction = 'outbound' AND ended_at IS NULL").one().n,
    });
    if (!decision.ok) return decision;
    this.sql.exec(
      "INSERT INTO calls (conversation, from_number, to_number, started_at, ends_by, direction, ringing) VALUES (?, ?, ?, ?, ?, 'outbound', 1)",
      request.conversation,
      decision.from,
      decision.to,
      request.placedAt,
      request.placedAt + request.ringMs,
    );
    return {
      ok: true,
      to: decision.to,
      from: decision.from,
      language: row.language,
      demo: row.bot_url === null,
      link: this.link(),
      outboundTrunkId: (row.outbound_trunk_id as string | null) ?? null,
    };
  }

  /** An outbound call whose id another service's call already has: it never existed. */
  outboundWithdrawn(conversation: string): void {
    this.sql.exec("DELETE FROM calls WHERE conversation = ? AND ringing = 1", conversation);
  }

  /** The callee answered: from now on the call is counted and billed like any other. */
  outboundAnswered(conversation: string, answeredAt: number): { endsBy: number; idleMs: number } | null {
    const row = this.config();
    if (!row) return null;
    const endsBy = answeredAt + row.max_call_minutes * this.minuteMs();
    this.sql.exec("UPDATE calls SET ringing = 0, started_at = ?, ends_by = ? WHERE conversation = ? AND ringing = 1", answeredAt, endsBy, conversation);
    this.countCall(answeredAt);
    return { endsBy, idleMs: row.idle_timeout_minutes * this.minuteMs() };
  }

  /** An outbound call that was not connected: recorded with SIP's answer, never counted or billed. */
  outboundFailed(conversation: string, endedAt: number, failure: CallFailure): void {
    this.sql.exec(
      "UPDATE calls SET ended_at = ?, end_reason = 'call_failed', sip_status = ?, failure_reason = ? WHERE conversation = ? AND ended_at IS NULL",
      endedAt,
      failure.sipStatus,
      failure.reason,
      conversation,
    );
  }

  /** The outbound settings, password included, for LiveKit provisioning only (worker/livekit/sync.ts); never shown. */
  outboundForProvisioning(): ReturnType<typeof outboundOf> | null {
    const row = this.config();
    return row ? outboundOf(settingsOf(row).outbound) : null;
  }

  /** The outcome of provisioning the outbound trunk: its id is what outbound calls dial through. */
  recordOutboundTrunk(trunkId: string | null): void {
    this.sql.exec("UPDATE config SET outbound_trunk_id = ?", trunkId);
  }

  /** Daily usage between two UTC days, inclusive, oldest first; days without calls are left out. */
  /** A finished turn of one of this service's calls (durable-objects/service-latency.ts). */
  turnDone(turn: { conversation: string; message: number; day: string; spans: TurnSpans }): void {
    recordTurnLatency(this.sql, turn);
  }

  /** Several finished turns at once (a call without an agent, at its end). */
  turnsDone(turns: { conversation: string; message: number; day: string; spans: TurnSpans }[]): void {
    for (const turn of turns) recordTurnLatency(this.sql, turn);
  }

  latencyDays(from: string, to: string): LatencyDay[] {
    return readLatencyDays(this.sql, from, to);
  }

  usageDays(from: string, to: string): UsageDay[] {
    return this.sql
      .exec<{ day: string; calls: number; seconds: number; minutes: number; stt_seconds: number; tts_characters: number; peak: number }>(
        "SELECT * FROM usage_daily WHERE day BETWEEN ? AND ? ORDER BY day",
        from,
        to,
      )
      .toArray()
      .map((row) => ({
        day: row.day,
        calls: row.calls,
        seconds: row.seconds,
        minutes: row.minutes,
        sttSeconds: Math.round(row.stt_seconds),
        ttsCharacters: row.tts_characters,
        peakConcurrentCalls: row.peak,
      }));
  }
}

function settingsOf(row: ConfigRow): ServiceSettings {
  return settingsWithDefaults(JSON.parse(row.settings));
}

/** Where a service's messages for the bot go: the bot's URL, or the portal's test chat in demo mode. */
function targetOf(row: ConfigRow): DeliveryTarget {
  return row.bot_url === null ? { kind: "test_chat" } : { kind: "bot", url: row.bot_url, token: row.bot_token };
}

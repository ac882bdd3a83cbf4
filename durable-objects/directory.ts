import { DurableObject } from "cloudflare:workers";
import type { Env } from "./bindings.ts";
import type { PasswordHash } from "../worker/secrets.ts";
import { secretMatchesHash, sha256Hex } from "../worker/secrets.ts";

declare module "./bindings.ts" {
  interface DurableObjectClasses {
    DIRECTORY: DirectoryObject;
  }
}

/**
 * The one place that must be globally consistent: accounts (unique emails), API keys, which account owns
 * which service, which service answers which phone number (unique across all services), and which service a
 * send-API token belongs to. A single SQLite-backed object gives those uniqueness checks transactionally. The
 * messaging hot path never comes here: only a send that the call itself cannot authenticate looks its token up.
 */
export class DirectoryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS accounts (
        id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
        salt TEXT NOT NULL, iterations INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, revoked_at INTEGER);
      CREATE TABLE IF NOT EXISTS services (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL, deleted_at INTEGER);
      CREATE INDEX IF NOT EXISTS services_by_account ON services (account_id);
      CREATE TABLE IF NOT EXISTS numbers (e164 TEXT PRIMARY KEY, service_id TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (
        token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
      CREATE TABLE IF NOT EXISTS service_tokens (
        service_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, version INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS service_tokens_by_hash ON service_tokens (token_hash);
      CREATE TABLE IF NOT EXISTS login_failures (
        key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at INTEGER NOT NULL, blocked_until INTEGER NOT NULL);
    `);
  }

  createAccount(input: { id: string; email: string; password: PasswordHash }): { created: boolean } {
    const existing = this.sql.exec("SELECT 1 FROM accounts WHERE email = ?", input.email).toArray();
    if (existing.length > 0) return { created: false };
    this.sql.exec(
      "INSERT INTO accounts (id, email, password_hash, salt, iterations, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      input.id,
      input.email,
      input.password.hash,
      input.password.salt,
      input.password.iterations,
      Date.now(),
    );
    return { created: true };
  }

  passwordOf(email: string): { accountId: string; password: PasswordHash } | null {
    const row = this.sql
      .exec<{ id: string; password_hash: string; salt: string; iterations: number }>(
        "SELECT id, password_hash, salt, iterations FROM accounts WHERE email = ?",
        email,
      )
      .toArray()[0];
    if (!row) return null;
    return { accountId: row.id, password: { hash: row.password_hash, salt: row.salt, iterations: row.iterations } };
  }

  addApiKey(accountId: string, keyId: string, secretHash: string): void {
    this.sql.exec(
      "INSERT INTO api_keys (id, account_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
      keyId,
      accountId,
      secretHash,
      Date.now(),
    );
  }

  listApiKeys(accountId: string): { id: string; createdAt: number; revokedAt: number | null }[] {
    return this.sql
      .exec<{ id: string; created_at: number; revoked_at: number | null }>(
        "SELECT id, created_at, revoked_at FROM api_keys WHERE account_id = ? ORDER BY created_at",
        accountId,
      )
      .toArray()
      .map((row) => ({ id: row.id, createdAt: row.created_at, revokedAt: row.revoked_at }));
  }

  revokeApiKey(accountId: string, keyId: string): boolean {
    const cursor = this.sql.exec(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
      Date.now(),
      keyId,
      accountId,
    );
    return cursor.rowsWritten > 0;
  }

  /** The account an API key belongs to, if the key exists, is not revoked and its secret matches. */
  async accountForApiKey(keyId: string, secret: string): Promise<{ accountId: string; email: string } | null> {
    const row = this.sql
      .exec<{ account_id: string; secret_hash: string; email: string }>(
        `SELECT k.account_id, k.secret_hash, a.email FROM api_keys k JOIN accounts a ON a.id = k.account_id
         WHERE k.id = ? AND k.revoked_at IS NULL`,
        keyId,
      )
      .toArray()[0];
    if (!row || !(await secretMatchesHash(secret, row.secret_hash))) return null;
    return { accountId: row.account_id, email: row.email };
  }

  registerService(accountId: string, serviceId: string): void {
    this.sql.exec("INSERT INTO services (id, account_id, created_at) VALUES (?, ?, ?)", serviceId, accountId, Date.now());
  }

  ownsService(accountId: string, serviceId: string): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM services WHERE id = ? AND account_id = ? AND deleted_at IS NULL", serviceId, accountId)
        .toArray().length > 0
    );
  }

  servicesOf(accountId: string): string[] {
    return this.sql
      .exec<{ id: string }>(
        "SELECT id FROM services WHERE account_id = ? AND deleted_at IS NULL ORDER BY created_at",
        accountId,
      )
      .toArray()
      .map((row) => row.id);
  }

  /**
   * Makes `numbers` the exact set of numbers routed to `serviceId`, or changes nothing and names the first
   * number that another service already holds.
   */
  assignNumbers(serviceId: string, numbers: string[]): { ok: true } | { ok: false; taken: string } {
    for (const e164 of numbers) {
      const holder = this.sql.exec<{ service_id: string }>("SELECT service_id FROM numbers WHERE e164 = ?", e164).toArray()[0];
      if (holder && holder.service_id !== serviceId) return { ok: false, taken: e164 };
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM numbers WHERE service_id = ?", serviceId);
      for (const e164 of numbers) this.sql.exec("INSERT INTO numbers (e164, service_id) VALUES (?, ?)", e164, serviceId);
    });
    return { ok: true };
  }

  serviceForNumber(e164: string): string | null {
    return this.sql.exec<{ service_id: string }>("SELECT service_id FROM numbers WHERE e164 = ?", e164).toArray()[0]?.service_id ?? null;
  }

  deleteService(serviceId: string): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE services SET deleted_at = ? WHERE id = ?", Date.now(), serviceId);
      this.sql.exec("DELETE FROM numbers WHERE service_id = ?", serviceId);
    });
  }

  /**
   * Records a service's current token hash ("" once deleted). Writes can arrive out of order (two quick
   * reconfigurations), so a write older than the one recorded is dropped.
   */
  recordServiceToken(serviceId: string, tokenHash: string, version: number): void {
    this.sql.exec(
      `INSERT INTO service_tokens (service_id, token_hash, version) VALUES (?, ?, ?)
       ON CONFLICT (service_id) DO UPDATE SET token_hash = excluded.token_hash, version = excluded.version
       WHERE excluded.version > service_tokens.version`,
      serviceId,
      tokenHash,
      version,
    );
  }

  /**
   * The service whose current token `token` is, or null. Only for the send API's uncommon answers (a call knows its
   * own service's token): it tells `authorization fail` from `conversation not found`. The lookup is by the token's
   * SHA-256, which says nothing useful about any other token; the match is then confirmed in constant time.
   */
  async serviceForToken(token: string): Promise<string | null> {
    const tokenHash = await sha256Hex(token);
    const row = this.sql
      .exec<{ service_id: string; token_hash: string }>("SELECT service_id, token_hash FROM service_tokens WHERE token_hash = ?", tokenHash)
      .toArray()[0];
    return row && row.token_hash !== "" && (await secretMatchesHash(token, row.token_hash)) ? row.service_id : null;
  }

  /** A portal session: only the hash of the cookie's secret is stored, with the session's CSRF token. */
  createSession(input: { tokenHash: string; accountId: string; csrfToken: string; expiresAt: number }): void {
    const now = Date.now();
    this.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", now);
    this.sql.exec(
      "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      input.tokenHash,
      input.accountId,
      input.csrfToken,
      now,
      input.expiresAt,
    );
  }

  /** The live session whose cookie secret hashes to `tokenHash`, with its account; null if unknown or expired. */
  session(tokenHash: string): { accountId: string; email: string; csrfToken: string; expiresAt: number } | null {
    const row = this.sql
      .exec<{ account_id: string; email: string; csrf_token: string; expires_at: number }>(
        `SELECT s.account_id, a.email, s.csrf_token, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
        tokenHash,
        Date.now(),
      )
      .toArray()[0];
    return row ? { accountId: row.account_id, email: row.email, csrfToken: row.csrf_token, expiresAt: row.expires_at } : null;
  }

  deleteSession(tokenHash: string): boolean {
    return this.sql.exec("DELETE FROM sessions WHERE token_hash = ?", tokenHash).rowsWritten > 0;
  }

  /**
   * Reserves a login attempt against each throttle key (the email, the client address). A key that has had
   * `freeAttempts` unsuccessful attempts in a row is then blocked for a doubling wait after each further one
   * (1 s, 2 s, 4 s, ... up to 15 minutes); a key left alone for an hour starts over. The attempt is counted before
   * the password is checked, so a burst of parallel guesses is throttled like a sequence of them.
   */
  beginLoginAttempt(keys: { key: string; freeAttempts: number }[]): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = Date.now();
    const rows = keys.map(({ key, freeAttempts }) => ({
      key,
      freeAttempts,
      row: this.sql
        .exec<{ failures: number; last_failure_at: number; blocked_until: number }>(
          "SELECT failures, last_failure_at, blocked_until FROM login_failures WHERE key = ?",
          key,
        )
        .toArray()[0],
    }));
    const wait = Math.max(0, ...rows.map(({ row }) => (row ? row.blocked_until - now : 0)));
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    for (const { key, freeAttempts, row } of rows) {
      const failures = row && now - row.last_failure_at < LOGIN_FAILURE_MEMORY_MS ? row.failures + 1 : 1;
      const over = failures - freeAttempts;
      const blockedUntil = over > 0 ? now + Math.min(LOGIN_MAX_WAIT_MS, 1000 * 2 ** Math.min(over - 1, 20)) : 0;
      this.sql.exec(
        `INSERT INTO login_failures (key, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
         blocked_until = excluded.blocked_until`,
        key,
        failures,
        now,
        blockedUntil,
      );
    }
    return { ok: true };
  }

  /**
   * The password was right: the account's key starts over; the shared keys (client address) only get this attempt
   * back, so logging in to one's own account between guesses does not reset them.
   */
  loginSucceeded(accountKey: string, sharedKeys: string[]): void {
    this.sql.exec("DELETE FROM login_failures WHERE key = ?", accountKey);
    for (const key of sharedKeys) {
      this.sql.exec("UPDATE login_failures SET failures = max(0, failures - 1) WHERE key = ?", key);
    }
  }
}

const LOGIN_FAILURE_MEMORY_MS = 60 * 60_000;
const LOGIN_MAX_WAIT_MS = 15 * 60_000;

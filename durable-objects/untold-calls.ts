/**
 * The live calls a service could not tell of its newest link (a new token, a reconfiguration) when the change was
 * made, kept in the service's storage until its alarm tells them. The change itself is done and answered with its
 * token, rather than failing with the token lost: until the alarm's next round reaches it, that call alone may still
 * take the previous token (while its object cannot be reached, it takes none).
 */
export class UntoldCalls {
  /** The alarm's waits between rounds, ms: doubling from a second, then every half minute. */
  static readonly FIRST_RETRY_MS = 1000;
  static readonly LONGEST_RETRY_MS = 30_000;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS untold_calls (conversation TEXT PRIMARY KEY, rounds INTEGER NOT NULL DEFAULT 0)");
  }

  /** These calls were not told this time (an earlier round's count is kept). */
  add(conversations: readonly string[]): void {
    for (const conversation of conversations) this.sql.exec("INSERT INTO untold_calls (conversation) VALUES (?) ON CONFLICT DO NOTHING", conversation);
  }

  /** This call has the newest link now, or has ended: nothing more to tell it. */
  remove(conversation: string): void {
    this.sql.exec("DELETE FROM untold_calls WHERE conversation = ?", conversation);
  }

  /** The calls still to tell, and how many alarm rounds have failed for each. */
  list(): { conversation: string; rounds: number }[] {
    return this.sql.exec<{ conversation: string; rounds: number }>("SELECT conversation, rounds FROM untold_calls ORDER BY conversation").toArray();
  }

  /** One more failed round for this call. */
  failedAgain(conversation: string): void {
    this.sql.exec("UPDATE untold_calls SET rounds = rounds + 1 WHERE conversation = ?", conversation);
  }

  /** When the next round is due (ms from now), or null when no call is left to tell. */
  nextRoundInMs(): number | null {
    const row = this.sql.exec<{ rounds: number | null }>("SELECT MIN(rounds) AS rounds FROM untold_calls").one();
    if (row.rounds === null) return null;
    return Math.min(UntoldCalls.LONGEST_RETRY_MS, UntoldCalls.FIRST_RETRY_MS * 2 ** row.rounds);
  }
}

import type { SessionStore } from "../adaptors/types.ts";

/** A bot platform adaptor's state on this call (durable-objects/adaptors/), in the call's own storage. */
export class PlatformSession implements SessionStore<unknown> {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS platform_session (one INTEGER PRIMARY KEY CHECK (one = 1), state TEXT NOT NULL)");
  }

  read(): unknown {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM platform_session").toArray()[0];
    return row && (JSON.parse(row.state) as unknown);
  }

  write(state: unknown): void {
    this.sql.exec(
      "INSERT INTO platform_session (one, state) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET state = excluded.state",
      JSON.stringify(state),
    );
  }
}

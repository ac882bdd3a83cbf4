import type { ServiceLink } from "../service-link.ts";

/** The call's copy of its service's link (durable-objects/service-link.ts), in the call's own storage. */
export class KeptServiceLink {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS service_link (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL, link TEXT NOT NULL)");
  }

  /** The newest link given, or undefined for a call stored before calls kept one. */
  read(): ServiceLink | undefined {
    const row = this.sql.exec<{ link: string }>("SELECT link FROM service_link").toArray()[0];
    return row && (JSON.parse(row.link) as ServiceLink);
  }

  /** Keeps `link` unless a newer one is kept already. */
  keep(link: ServiceLink): void {
    this.sql.exec(
      `INSERT INTO service_link (one, version, link) VALUES (1, ?, ?)
       ON CONFLICT (one) DO UPDATE SET version = excluded.version, link = excluded.link WHERE excluded.version > service_link.version`,
      link.version,
      JSON.stringify(link),
    );
  }

  /** Drops the bot's URL and token (the call has nothing more for the bot). */
  forgetTarget(): void {
    const link = this.read();
    if (link?.target) this.sql.exec("UPDATE service_link SET link = ?", JSON.stringify({ ...link, target: null }));
  }
}

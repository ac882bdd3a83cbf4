import type { Env } from "../env.ts";

/** The Hono environment of the Worker's routes: its bindings, and the account `requireAccount` authenticated. */
export type AppEnv = { Bindings: Env; Variables: { accountId: string } };

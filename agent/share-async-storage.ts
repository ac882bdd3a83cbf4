/**
 * Imported first by the agent's entries (agent/index.ts, agent/main.ts), before the framework: from here on
 * `new AsyncLocalStorage()`, the framework's included, makes a SharedAsyncLocalStorage (agent/shared-async-storage.ts).
 * An ESM import of `node:async_hooks` reads the builtin's exports as they were last synced, hence
 * syncBuiltinESMExports.
 */
import asyncHooks from "node:async_hooks";
import { syncBuiltinESMExports } from "node:module";
import { SharedAsyncLocalStorage } from "./shared-async-storage.ts";

(asyncHooks as { AsyncLocalStorage: unknown }).AsyncLocalStorage = SharedAsyncLocalStorage;
syncBuiltinESMExports();

/**
 * NODE_OPTIONS that make a process forked with them load this module before anything else: the framework's job
 * processes (one call each on the LiveKit path) load the framework before our agent module, so only a preload reaches
 * them. tsx's loader comes first, as this module is TypeScript (preloads in NODE_OPTIONS run before the command line's).
 */
export function nodeOptionsSharingAsyncStorage(nodeOptions: string | undefined): string {
  return [nodeOptions, `--import=${import.meta.resolve("tsx")}`, `--import=${import.meta.url}`].filter(Boolean).join(" ");
}

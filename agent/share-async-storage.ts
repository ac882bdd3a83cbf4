/**
 * Imported first by the agent's entry (agent/index.ts), before the framework: from here on `new AsyncLocalStorage()`,
 * the framework's included, makes a SharedAsyncLocalStorage (agent/shared-async-storage.ts). An ESM import of
 * `node:async_hooks` reads the builtin's exports as they were last synced, hence syncBuiltinESMExports.
 */
import asyncHooks from "node:async_hooks";
import { syncBuiltinESMExports } from "node:module";
import { SharedAsyncLocalStorage } from "./shared-async-storage.ts";

(asyncHooks as { AsyncLocalStorage: unknown }).AsyncLocalStorage = SharedAsyncLocalStorage;
syncBuiltinESMExports();

import { AsyncLocalStorage } from "node:async_hooks";
import { log } from "@livekit/agents";

/** The ids a call's log lines carry, as the gateway's do (worker/log.ts). */
export interface CallLogIds {
  conversation: string;
  serviceId: string | null;
  accountId: string | null;
}

type LogFields = Record<string, unknown>;

/** The call whose work is running: read when a line is written, since a call learns its service and account late. */
const currentCall = new AsyncLocalStorage<() => CallLogIds>();

/** Runs `work` (and everything it starts: sockets, timers, the session's tasks) as the call's; its log lines get `ids()`. */
export function runAsCall<T>(ids: () => CallLogIds, work: () => T): T {
  tagFrameworkLogs();
  return currentCall.run(ids, work);
}

/** The framework logs what the caller said under these keys (at debug): words are not for logs, as in the gateway's. */
const isCallerWords = (key: string) => key.startsWith("lk.pii.");

/** A line's fields: the mixin's (the running call's ids) first, its own win; the caller's words redacted. */
export function callLogFields(own: LogFields, mixed: LogFields): LogFields {
  const fields: LogFields = { ...mixed, ...own };
  for (const key of Object.keys(fields)) if (isCallerWords(key)) fields[key] = "[redacted]";
  return fields;
}

const tagged = new WeakSet<object>();

/**
 * The framework's lines (its session, speech and turn tasks) come from its own pino logger, which knows nothing of our
 * calls: give that logger a mixin that adds the running call's ids. pino takes a mixin only when it is created, and
 * `initializeLogger` (which creates it) has no option for one; pino keeps it under its `pino.mixin` symbol
 * (`pino.symbols.mixinSym`, public for this kind of use), which we set on the logger, keeping a mixin it had.
 */
export function tagFrameworkLogs(logger: object = log()): void {
  if (tagged.has(logger)) return;
  // A child logger (the framework installs one in each job process) holds its parent's symbols on its prototype.
  const symbol = (name: string) => {
    for (let level: object | null = logger; level !== null; level = Object.getPrototypeOf(level) as object | null) {
      const found = Object.getOwnPropertySymbols(level).find((s) => s.description === name);
      if (found) return found;
    }
    return undefined;
  };
  const mixinKey = symbol("pino.mixin");
  const strategyKey = symbol("pino.mixinMergeStrategy");
  if (!mixinKey || !strategyKey) {
    log().warn("the framework's logger is not the pino this agent knows: its lines will not carry the call's ids");
    return;
  }
  const target = logger as Record<symbol, unknown>;
  const previous = target[mixinKey] as ((...args: unknown[]) => LogFields) | undefined;
  target[mixinKey] = (...args: unknown[]) => ({ ...previous?.(...args), ...currentCall.getStore()?.() });
  target[strategyKey] = callLogFields;
  tagged.add(logger);
}

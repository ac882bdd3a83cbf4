/**
 * Loaded into the agent by `BENCH_PROMISE_CENSUS=file npm run bench:voice`: counts the async resources the process
 * creates (promises above all: each one pays every enabled AsyncLocalStorage's hooks) and, for one promise in 50,
 * where it was made (the first two frames outside Node's internals). Every 10 s it appends that window's rates to
 * `PROMISE_CENSUS_FILE`, busiest first; the window of row 4's reading is the one with the most promises.
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks";
import { appendFileSync } from "node:fs";

const file = process.env.PROMISE_CENSUS_FILE;
if (!file) throw new Error("promise-census: set PROMISE_CENSUS_FILE");
const SAMPLE_EVERY = 50;
const WINDOW_MS = 10_000;
Error.stackTraceLimit = 30;

let byType = new Map<string, number>();
let bySite = new Map<string, number>();
let promises = 0;
const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

createHook({
  init(_id, type) {
    count(byType, type);
    if (type !== "PROMISE" || ++promises % SAMPLE_EVERY !== 0) return;
    const frames = (new Error().stack ?? "").split("\n").slice(1).map((line) => line.trim().replace(/^at /, "").replace(/\(file:\/\/[^)]*?node_modules\//, "("));
    const ours = frames.filter((frame) => !frame.includes("node:internal") && !frame.includes("promise-census") && !frame.includes("<anonymous>"));
    count(bySite, ours.slice(0, 2).join(" < ") || frames.slice(0, 2).join(" < "));
  },
}).enable();

// Which AsyncLocalStorage instances are enabled (each one's hook runs for every promise from then on), by where the
// first `run`/`enterWith` that enabled it was called. `_enable` is Node 20's internal; elsewhere this is skipped.
const enabledStorages: string[] = [];
const storageProto = AsyncLocalStorage.prototype as unknown as { _enable?: (this: { enabled?: boolean }) => void };
const enable = storageProto._enable;
if (enable) {
  storageProto._enable = function (this: { enabled?: boolean }) {
    if (!this.enabled) {
      const frames = (new Error().stack ?? "").split("\n").slice(1).map((line) => line.trim().replace(/^at /, ""));
      const caller = frames.find((frame) => !frame.includes("node:") && !frame.includes("promise-census")) ?? "?";
      enabledStorages.push(caller.replace(/\(file:\/\/[^)]*?node_modules\//, "(").replace(/\(file:\/\/[^)]*?\/work\/[^/]+\//, "("));
    }
    enable.call(this);
  };
}

setInterval(() => {
  const seconds = WINDOW_MS / 1000;
  const rate = (n: number) => `${Math.round(n / seconds)}/s`;
  const lines = [
    `==== ${new Date().toISOString()} (${seconds} s)`,
    ...[...byType].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([type, n]) => `${type} ${rate(n)}`),
    `AsyncLocalStorage instances enabled so far: ${enabledStorages.length}`,
    ...enabledStorages.map((site) => `  enabled by ${site}`),
    ...[...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([site, n]) => `  ${rate(n * SAMPLE_EVERY)}  ${site}`),
  ];
  appendFileSync(file, `${lines.join("\n")}\n`);
  byType = new Map();
  bySite = new Map();
}, WINDOW_MS).unref();

/**
 * `npx tsx scripts/cpu-top.ts profile.cpuprofile [n] [--busiest S]`: the functions a V8 CPU profile (`node --cpu-prof`)
 * spent most time in, by self time, by file and by total time (each function once per sample, its callees included),
 * so that docs/performance.md can name where the agent's CPU goes. `--busiest S` reads only the S seconds of the
 * profile with the most busy time (bench:voice's row 4 reading, not the agent's start-up and the other phases).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const busiestAt = args.indexOf("--busiest");
const busiestSeconds = busiestAt >= 0 ? Number(args.splice(busiestAt, 2)[1]) : undefined;
const [file, n = "20"] = args;
if (!file || (busiestSeconds !== undefined && !(busiestSeconds > 0))) throw new Error("usage: cpu-top.ts <file.cpuprofile> [n] [--busiest seconds]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const isIdle = (id: number) => ["(idle)", "(program)"].includes(byId.get(id)?.callFrame.functionName ?? "");

/** Each sample's node and duration (ms), within the busiest window when one was asked for. */
function samplesRead(): { id: number; ms: number }[] {
  let at = 0;
  const all = profile.samples.map((id, i) => ({ id, ms: (profile.timeDeltas[i] ?? 0) / 1000, at: (at += (profile.timeDeltas[i] ?? 0) / 1000) }));
  if (busiestSeconds === undefined) return all;
  const span = busiestSeconds * 1000;
  let best = { from: 0, busy: -1 };
  let busy = 0;
  for (let start = 0, end = 0; start < all.length; busy -= isIdle(all[start]!.id) ? 0 : all[start]!.ms, start++) {
    for (; end < all.length && all[end]!.at - all[start]!.at < span; end++) busy += isIdle(all[end]!.id) ? 0 : all[end]!.ms;
    if (busy > best.busy) best = { from: start, busy };
  }
  const from = all[best.from]!.at;
  return all.filter((sample) => sample.at >= from && sample.at - from < span);
}

const samples = samplesRead();
const shortUrl = (url: string) => url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "").replace(/^.*\/(agent|test|scripts|protocol)\//, "$1/") || "(native/V8)";
const functionName = (node: ProfileNode) => `${node.callFrame.functionName || "(anonymous)"}  ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
const total = samples.reduce((sum, sample) => sum + sample.ms, 0);
const busy = samples.reduce((sum, sample) => sum + (isIdle(sample.id) ? 0 : sample.ms), 0);

function top(keys: (node: ProfileNode) => string[]) {
  const sums = new Map<string, number>();
  for (const { id, ms } of samples) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    for (const key of new Set(keys(node))) sums.set(key, (sums.get(key) ?? 0) + ms);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
}
/** The node and its callers, innermost first. */
function stack(node: ProfileNode): ProfileNode[] {
  const nodes = [node];
  for (let id = parentOf.get(node.id); id !== undefined; id = parentOf.get(id)) nodes.push(byId.get(id)!);
  return nodes;
}
const print = (rows: [string, number][]) => {
  for (const [name, ms] of rows) console.log(`  ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${(ms / 1000).toFixed(2).padStart(7)} s  ${name}`);
};

const window = busiestSeconds === undefined ? "" : `, the busiest ${busiestSeconds} s`;
console.log(`${file}${window}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (not idle)`);
console.log("\nself time by function:");
print(top((node) => [functionName(node)]));
console.log("\nself time by file:");
print(top((node) => [shortUrl(node.callFrame.url)]));
console.log("\ntotal time by function (callees included):");
print(top((node) => stack(node).map(functionName)));

/**
 * `npx tsx scripts/cpu-top.ts profile.cpuprofile [n]`: the functions a V8 CPU profile (`node --cpu-prof`) spent most
 * self time in, and the same by file, so that docs/performance.md can name where the agent's CPU goes.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, n = "20"] = process.argv.slice(2);
if (!file) throw new Error("usage: cpu-top.ts <file.cpuprofile> [n]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<number, number>();
profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

const shortUrl = (url: string) => url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "").replace(/^.*\/(agent|test|scripts|protocol)\//, "$1/") || "(native/V8)";
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfMs].filter(([id]) => ["(idle)", "(program)"].includes(byId.get(id)?.callFrame.functionName ?? "")).reduce((a, [, ms]) => a + ms, 0);

function top(key: (node: ProfileNode) => string) {
  const sums = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    sums.set(key(node), (sums.get(key(node)) ?? 0) + ms);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
}

const busy = total - idle;
console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (not idle)`);
console.log("\nself time by function:");
for (const [name, ms] of top((node) => `${node.callFrame.functionName || "(anonymous)"}  ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`)) {
  console.log(`  ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${(ms / 1000).toFixed(2).padStart(7)} s  ${name}`);
}
console.log("\nself time by file:");
for (const [name, ms] of top((node) => shortUrl(node.callFrame.url))) console.log(`  ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${name}`);

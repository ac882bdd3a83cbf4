import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (ms) the live processes of a process group have used, from /proc; undefined where there is none. */
function processGroupCpuMs(group: number): number | undefined {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    try {
      // After the command name (in parentheses, possibly with spaces): state, ppid, pgrp, ..., utime (12th), stime (13th).
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** CPU used between laps, by a process group (the gateway) and by this process (the load client and bot). */
export function cpuMeter(group: number | undefined) {
  const read = () => ({ group: group === undefined ? undefined : processGroupCpuMs(group), self: process.cpuUsage() });
  let last = read();
  return {
    lap(): { gatewayMs: number | undefined; selfMs: number } {
      const now = read();
      const self = process.cpuUsage(last.self);
      const lap = {
        gatewayMs: now.group === undefined || last.group === undefined ? undefined : now.group - last.group,
        selfMs: (self.user + self.system) / 1000,
      };
      last = now;
      return lap;
    },
  };
}

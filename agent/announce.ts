/**
 * A line the operator must see whatever AGENT_LOG_LEVEL is (where the agent listens), in the shape of the framework's
 * JSON log lines (pino: `level` 30 is info), so that the agent's stdout stays one JSON object per line.
 */
export function announce(msg: string, fields: Record<string, string | number | boolean> = {}): void {
  console.log(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, ...fields, msg }));
}

import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGateway } from "../support/fake-gateway.ts";

const root = join(import.meta.dirname, "../..");
let gateway: Awaited<ReturnType<typeof startFakeGateway>> | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** A load script, small, against `url`: its exit code and what it printed. */
function run(script: "bench" | "soak", url: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const small = { BENCH_URL: url, BENCH_CONVERSATIONS: "30", BENCH_CONCURRENCY: "10", SOAK_CALLS: "30", SOAK_EXCHANGES: "3", SOAK_SERVICES: "3" };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, `scripts/${script}.ts`)],
      { cwd: root, env: { ...process.env, ...small, ...env }, timeout: 50_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}
const bench = (url: string, env?: Record<string, string>) => run("bench", url, env);

describe("npm run bench", () => {
  it("counts the errors of a busy server by kind, tries again, and succeeds when no message is lost", async () => {
    gateway = await startFakeGateway({ faultEvery: 7 });
    const { code, output } = await bench(gateway.url);
    expect(output).toMatch(/lost 0,/);
    expect(output).toMatch(/network error \(\w+\) ×\d+/);
    expect(output).toMatch(/HTTP 503, not JSON ×\d+/);
    expect(output).toMatch(/HTTP 429 rejected ×\d+/);
    expect(output).toMatch(/duplicated [1-9]/);
    expect(code, output).toBe(0);
  });

  it("fails when a message the gateway accepted never reaches the bot, and says so", async () => {
    gateway = await startFakeGateway({ lose: "caller turn 1" });
    const { code, output } = await bench(gateway.url, { BENCH_ARRIVAL_TIMEOUT_MS: "500" });
    expect(output).toMatch(/utterance: not at the bot within 0.5 s ×30/);
    expect(output).toMatch(/lost 30,/);
    expect(code, output).toBe(1);
  });

  it("fails when it cannot start", async () => {
    const { code, output } = await bench("http://127.0.0.1:9");
    expect(output).toMatch(/set-up: sign-up network error/);
    expect(code).toBe(1);
  });
});

describe("npm run soak", () => {
  it("counts the requests a busy server failed, expects only what it accepted, and succeeds when nothing is lost", async () => {
    gateway = await startFakeGateway({ faultEvery: 5 });
    const { code, output } = await run("soak", gateway.url);
    expect(output).toMatch(/failed requests \([1-9]\d*\): .*network error/);
    expect(output).toMatch(/lost 0, duplicated 0, out of order 0/);
    expect(code, output).toBe(0);
  });

  it("fails when a message the gateway accepted never reaches the bot", async () => {
    gateway = await startFakeGateway({ lose: "call 0 utterance 1" });
    // Long enough for every other message on a loaded machine (p99 ≈ 0.7 s seen with 2 busy CPUs); the lost one never comes.
    const { code, output } = await run("soak", gateway.url, { SOAK_ARRIVAL_TIMEOUT_MS: "5000" });
    expect(output).toMatch(/lost 1, duplicated 0, out of order 0/);
    expect(code).toBe(1);
  });
});

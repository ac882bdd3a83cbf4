/**
 * `npm run bench:voice`: what the voice path adds, against the real gateway (`wrangler dev`) and the real agent
 * (agent/index.ts in its own process, local transport), with fake speech providers on loopback that add fixed
 * latencies (Deepgram: FINAL_DELAY_MS before each final result; OpenAI: TTS_DELAY_MS before the first byte).
 *
 *   1. caller's end of speech (the frame with the last voiced sample, not the end of the buffer: espeak-ng ends
 *      its speech with ~300 ms of silence) → the bot receives the text, net of Deepgram's endpointing and delay;
 *   2. the bot's message (POST to the send API) → first audio frame at the caller, net of the TTS delay;
 *   3. barge-in: the caller starts speaking over the bot → the caller's audio stops (`clear`), and as the agent
 *      measures it (its `barge_in` event): the VAD's detection of the speech → its paced output stopped;
 *   4. agent CPU per concurrent call, 20 calls at once (each speaking and being answered), vs idle;
 *   5. with BENCH_EAGER=1 (Flux only): speech end → first audio with a bot that answers at once (bot ≈ 0 ms), for
 *      Cartesia and Aura-2, each with the service's eagerEndOfTurn off (the baseline) then on, in this run,
 *      BENCH_EAGER_TURNS turns each (default 30); the fakes inject the published figures (Flux's EagerEndOfTurn and
 *      EndOfTurn, each TTS's first byte), so the figure is the on-paper sum with our part measured.
 * Printed as a table; figures for docs/performance.md. Not a test. Env: BENCH_TURNS (100), BENCH_CALLS (20),
 * BENCH_CPU_SECONDS (30, row 4's reading, also printed in thirds);
 * BENCH_CPU_PROF=dir writes the agent's V8 CPU profile there (`node --cpu-prof`; read it with scripts/cpu-top.ts).
 * BENCH_PROMISE_CENSUS=file appends the agent's promises per second and where they are made, every 10 s
 * (scripts/load/promise-census.ts).
 * BENCH_SILERO: gated (Silero only while the bot speaks, the agent's default), always (SILERO_GATING=off), or both
 * (default): rows 1–3 with the first, row 4 once per mode, each with an agent of its own, in the same run.
 * BENCH_BASELINE=<git revision> (one from 9435392 on: its agent must take its socket from AGENT_LISTEN_FD): row 4
 * (with the first Silero mode) also for that revision's agent, checked out beside this tree, in BENCH_BASELINE_ROUNDS
 * rounds (default 4) alternating with this tree's agent (in the order ABBA…), so that the machine's drift weighs on
 * both alike; prints each round and the median ratio.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";
import { concatSamples, resample, silence } from "../agent/audio.ts";
import { startFakeCartesia } from "../test/agent/fake-cartesia.ts";
import { fluxSilenceMs, startFakeDeepgram } from "../test/agent/fake-deepgram.ts";
import { endpointingDelayMs } from "../agent/turn-taking.ts";
import { speak, startFakeOpenAI } from "../test/agent/fake-openai.ts";
import { callGateway, freePort, spawnAgent, startGateway, until as untilAsync } from "../test/e2e/server.ts";
import { LocalCaller, mintTicket } from "../test/agent/local-caller.ts";
import WebSocket from "ws";
import { baselineCheckout } from "./load/baseline-checkout.ts";
import { voicedEnd } from "./load/voiced.ts";

const TURNS = Number(process.env.BENCH_TURNS ?? 100);
const CALLS = Number(process.env.BENCH_CALLS ?? 20);
/** How long row 4 reads the agent's CPU once the calls are talking (s); 15 s readings moved by a third run to run. */
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 30);
const PARALLEL = 4; // calls that share the TURNS, one turn at a time each
/** The recognizer and the synthesizer measured (BENCH_STT: flux | nova; BENCH_TTS: deepgram | cartesia | openai). */
const STT = (process.env.BENCH_STT ?? "flux") as "flux" | "nova";
const TTS = (process.env.BENCH_TTS ?? "deepgram") as "deepgram" | "cartesia" | "openai";
const SILERO = (process.env.BENCH_SILERO ?? "both") as "gated" | "always" | "both";
/**
 * Published figures (ms), the anchors of issue #12: Flux's end-of-turn detection (~260 ms, Deepgram's Flux page);
 * nova: 300 ms of endpointing silence + ~150 ms to finalize; first audio: Cartesia ≈ 190, Aura-2 ≈ 310, OpenAI
 * tts-1-hd over 2 s.
 */
const PUBLISHED = { flux: 260, nova: 450, cartesia: 190, deepgram: 310, openai: 2000 };
/**
 * Flux's eager end of turn: ~150–250 ms before its EndOfTurn at `eager_eot_threshold` 0.3–0.5 (Deepgram's Flux
 * parameters as documented by Telnyx, which resells Flux; Deepgram's own pages say "hundreds of milliseconds").
 * The saving's low end: 260 − 150.
 */
const PUBLISHED_FLUX_EAGER = 110;
const EAGER = process.env.BENCH_EAGER === "1";
if (EAGER && STT !== "flux") throw new Error("BENCH_EAGER=1 needs BENCH_STT=flux");
const EAGER_THRESHOLD = 0.3;
const EAGER_TURNS = Number(process.env.BENCH_EAGER_TURNS ?? 30);
const BASELINE = process.env.BENCH_BASELINE;
const BASELINE_ROUNDS = Number(process.env.BENCH_BASELINE_ROUNDS ?? 4);
const ENDPOINTING_MS = 300;
const EOT_THRESHOLD = 0.7;
/** Injected by the fakes: the published figures, except OpenAI's 2 s (200 ms, as before, to keep the run short). */
const FINAL_DELAY_MS = STT === "flux" ? PUBLISHED.flux - fluxSilenceMs(EOT_THRESHOLD) : PUBLISHED.nova - ENDPOINTING_MS;
/** What the recognizer's fake injects between the caller's speech end and the final transcript. */
const INJECTED_STT_MS = (STT === "flux" ? fluxSilenceMs(EOT_THRESHOLD) : ENDPOINTING_MS) + FINAL_DELAY_MS;
const TTS_DELAY_MS = TTS === "openai" ? 200 : PUBLISHED[TTS];
const SECRET = "bench-voice-secret";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const fmt = (values: number[]) => `p50 ${pct(values, 50).toFixed(0)} ms, p95 ${pct(values, 95).toFixed(0)} ms (n=${values.length})`;
async function until<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}

// ---- the bot: records when each message arrives ------------------------------------------------------------
const arrivals: { conversation: string; body: string; at: number }[] = [];
/** Phase 5's bot answers each caller turn at once (its reply names the turn in `hints.inReplyTo`). */
let answerAtOnce: ((conversation: string, turn: number) => void) | undefined;
const botServer = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const message = JSON.parse(body) as { conversation: string; body: string; hints?: string };
    arrivals.push({ conversation: message.conversation, body: message.body, at: performance.now() });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success: true }));
    const turn = message.body && message.hints ? (JSON.parse(message.hints) as { turn?: number }).turn : undefined;
    if (turn !== undefined) answerAtOnce?.(message.conversation, turn);
  });
});
await new Promise<void>((r) => botServer.listen(0, "127.0.0.1", r));
const botUrl = `http://127.0.0.1:${(botServer.address() as AddressInfo).port}`;

// ---- fakes, gateway, agent -----------------------------------------------------------------------------------
const deepgram = await startFakeDeepgram([], {
  finalDelayMs: FINAL_DELAY_MS,
  eagerDelayMs: PUBLISHED_FLUX_EAGER - fluxSilenceMs(EAGER_THRESHOLD),
  fallback: "yes please",
  // Each TTS fake at its published figure (TTS_DELAY_MS for the one measured in rows 2–4): phase 5 uses both.
  firstByteDelayMs: PUBLISHED.deepgram,
});
const openai = await startFakeOpenAI({ firstByteDelayMs: TTS_DELAY_MS });
const cartesia = await startFakeCartesia({ apiKey: "bench", firstByteDelayMs: PUBLISHED.cartesia });
const gateway = await startGateway({ AGENT_SECRET: SECRET, DELIVERY_RETRY_DELAYS_MS: "200,400", BOT_TIMEOUT_MS: "2000" }, { agent: false });
// One process (tsx as a loader, not its CLI's child process), so that its CPU is read from /proc/<pid> and a CPU
// profile can be asked for (`--cpu-prof` is not allowed in NODE_OPTIONS).
const profiling = [
  ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  // tsx first, so that the census (TypeScript) can load; the agent's own `--import tsx` is then a no-op.
  ...(process.env.BENCH_PROMISE_CENSUS ? ["--import", "tsx", "--import", join(import.meta.dirname, "load/promise-census.ts")] : []),
];
const agents: ChildProcess[] = [];
const baseline = BASELINE ? baselineCheckout(BASELINE) : undefined;
/** An agent process (this tree's, or the one in `root`) on its own port, Silero gated or not; resolves once it listens. */
async function startAgent(sileroGated: boolean, root?: string): Promise<{ agent: ChildProcess; url: string; metricsUrl: string }> {
  const metricsPort = await freePort();
  const { agent, url } = await spawnAgent(
    {
      AGENT_SECRET: SECRET,
      GATEWAY_URL: gateway.url,
      AGENT_METRICS_PORT: String(metricsPort),
      SILERO_GATING: sileroGated ? "on" : "off",
      DEEPGRAM_API_KEY: "bench",
      DEEPGRAM_URL: deepgram.url,
      DEEPGRAM_ENDPOINTING_MS: String(ENDPOINTING_MS),
      DEEPGRAM_FLUX: STT === "flux" ? "on" : "off",
      ...(TTS === "openai" ? { OPENAI_API_KEY: "bench", OPENAI_BASE_URL: openai.baseURL } : {}),
      ...(TTS === "cartesia" || EAGER ? { CARTESIA_API_KEY: "bench", CARTESIA_URL: cartesia.url } : {}),
      NO_REPLY_TIMEOUT_MS: "60000",
      ...(process.env.BENCH_PROMISE_CENSUS ? { PROMISE_CENSUS_FILE: process.env.BENCH_PROMISE_CENSUS } : {}),
      AGENT_LOG_LEVEL: "error",
    },
    { stdio: "pipe", nodeArgs: root ? (baseline?.nodeArgs ?? []) : profiling, ...(root ? { root } : {}) },
  );
  agents.push(agent);
  let agentLog = "";
  agent.stdout?.on("data", (d) => (agentLog += d));
  agent.stderr?.on("data", (d) => (agentLog += d));
  await until(() => agentLog.includes("voice agent"), 60_000, `agent start: ${agentLog}`);
  return { agent, url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}
const { agent, url: agentUrl, metricsUrl } = await startAgent(SILERO !== "always");
/** Silero's windows so far (the agent's `phonemybot_agent_vad_windows_total`), through the model and answered without it. */
async function vadWindows(metrics: string): Promise<{ run: number; skipped: number }> {
  const text = await (await fetch(metrics)).text();
  const count = (model: string) => Number(new RegExp(`^phonemybot_agent_vad_windows_total\\{model="${model}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return { run: count("run"), skipped: count("skipped") };
}

const cleanup = async () => {
  await Promise.all(
    agents.map((agent) => {
      const exited = new Promise((r) => agent.once("exit", r));
      agent.kill("SIGTERM");
      return Promise.race([exited, sleep(10_000)]); // a CPU profile is written as the agent exits
    }),
  );
  await gateway.stop();
  await deepgram.close();
  await openai.close();
  await cartesia.close();
  botServer.close();
  baseline?.remove();
};

try {
  const account = await callGateway(gateway.url, "/api/v1/accounts", { method: "POST", json: { email: `bench-${Date.now()}@example.com`, password: "correct horse battery" } });
  const service = await callGateway(gateway.url, "/api/v1/services", { method: "POST", key: account.body.apiKey, json: { name: "Bench", language: "en-US" } });
  const patched = await callGateway(gateway.url, `/api/v1/services/${service.body.id}`, {
    method: "PATCH",
    key: account.body.apiKey,
    json: { botUrl: `${botUrl}/bot/{conversation}`, botToken: "bench-bot", ttsProvider: TTS, endOfTurnThreshold: EOT_THRESHOLD },
  });
  const serviceId: string = service.body.id;
  let token: string = patched.body.token;
  const botSays = async (conversation: string, body: string, last = false, hints?: Record<string, unknown>) => {
    const res = await fetch(`${gateway.url}/cloudengine/rest/voicebot/send/${conversation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${token}` },
      body: JSON.stringify({ conversation, body, last: last ? "true" : "false", ...(hints ? { hints } : {}) }),
    });
    if (!res.ok) throw new Error(`send: ${res.status} ${await res.text()}`);
  };
  const call = async (url = agentUrl) => {
    const caller = new LocalCaller(url, await mintTicket(SECRET, { serviceId, from: "+442071838750" }));
    await caller.opened;
    const started = await until(() => caller.event("started"), 20_000, "started");
    return { caller, conversation: started.conversation as string };
  };

  const words = resample(speak("yes please"), 24_000, 16_000);
  const utterance = concatSamples([silence(16_000, 100), words]);
  // The caller sends 20 ms frames (320 samples) in real time: its speech ended when the frame holding the last
  // voiced sample went out, this long before the last frame of the buffer.
  const trailingSilenceMs = 20 * (Math.ceil(utterance.length / 320) - Math.ceil(voicedEnd(utterance, 16_000) / 320));
  const reply = "Okay, noted.";
  const longReply = "Let me read you the whole menu, starting with the pizzas, then the pastas, then the desserts and drinks.";
  speak(reply);
  speak(longReply); // the fake synthesizes with espeak-ng: warm its cache outside the measurements

  // ---- baseline: the fakes alone (what is injected, and what the loopback + fake themselves cost) ------------
  const ttsAlone: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    if (TTS === "cartesia") {
      const ws = new WebSocket(`${cartesia.url}/tts/websocket`, { headers: { "X-API-Key": "bench", "Cartesia-Version": "2025-04-16" } });
      await new Promise((r) => ws.once("open", r));
      ws.send(JSON.stringify({ model_id: "sonic-2", transcript: reply, voice: { mode: "id", id: "v" }, language: "en", context_id: "c", output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: 24_000 } }));
      await new Promise((r) => ws.once("message", r));
      ttsAlone.push(performance.now() - t0);
      ws.terminate();
      continue;
    }
    const res =
      TTS === "openai"
        ? await fetch(`${openai.baseURL}/audio/speech`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer bench" },
            body: JSON.stringify({ model: "m", voice: "alloy", input: reply, response_format: "pcm" }),
          })
        : await fetch(`${deepgram.url.replace("ws:", "http:")}/v1/speak?model=aura-2-thalia-en&encoding=linear16&container=none&sample_rate=24000`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Token bench" },
            body: JSON.stringify({ text: reply }),
          });
    const reader = res.body!.getReader();
    await reader.read();
    ttsAlone.push(performance.now() - t0);
    await reader.cancel();
  }

  // ---- 1 and 2: turns ------------------------------------------------------------------------------------------
  const toBot: number[] = [];
  const toAudio: number[] = [];
  const perCall = Math.ceil(TURNS / PARALLEL);
  const failures: string[] = [];
  /** Each measured turn's times at the bench (performance.now()), to set beside the gateway's and the agent's. */
  const sampled: { conversation: string; turn: number; speechEnd: number; botGot: number; posted: number; heard: number }[] = [];
  await Promise.all(
    Array.from({ length: PARALLEL }, async (_, i) => {
      let current = await call();
      // Calls started together would say their first turns, and get their replies, in the same millisecond: a
      // coincidence that live calls do not keep up. Spread, they meet only as independent calls do.
      await sleep(i * 250);
      for (let t = 0; t < perCall && toBot.length < TURNS; t++) {
        const { caller, conversation } = current;
        try {
          const seen = arrivals.filter((a) => a.conversation === conversation && a.body).length;
          await caller.say(utterance);
          const endOfSpeech = performance.now() - trailingSilenceMs;
          const arrived = await until(() => arrivals.filter((a) => a.conversation === conversation && a.body)[seen], 15_000, "the bot gets the text");
          toBot.push(arrived.at - endOfSpeech);
          await sleep(100);
          const frames = caller.audio.length;
          const t0 = performance.now();
          await botSays(conversation, reply);
          const first = await until(() => caller.audio[frames], 15_000, "first audio frame");
          toAudio.push(first.at - t0);
          sampled.push({ conversation, turn: seen, speechEnd: endOfSpeech, botGot: arrived.at, posted: t0, heard: first.at });
          // Let the reply play out (silence from the caller meanwhile).
          await until(() => performance.now() - (caller.audio.at(-1)?.at ?? 0) > 300, 15_000, "reply played");
        } catch (error) {
          // Counted and reported; the next turns go on a new call.
          failures.push(`${(error as Error).message}; call events: ${JSON.stringify(caller.events.slice(-4))}`);
          caller.ws.close();
          current = await call();
        }
      }
      current.caller.hangUp();
      await current.caller.closed;
    }),
  );

  // Where rows 1 and 2 spend their time: the times the gateway and the agent recorded for the same turns
  // (GET /api/v1/calls/{id}: `turns`, one per caller message, in order; the gateway's clock, the agent's converted to
  // it). The gateway's clock is not the bench's (workerd's ran seconds apart from it here), so the hops between the
  // bench and the gateway are the remainder: the row's measure less the hops inside.
  const hops = new Map<string, number[]>();
  const slowest: { row: 1 | 2; total: number; parts: string }[] = [];
  for (const conversation of new Set(sampled.map((s) => s.conversation))) {
    const record = await callGateway(gateway.url, `/api/v1/calls/${conversation}`, { key: account.body.apiKey });
    // The call's first turn is its `new` message (no speech): the caller's spoken turns are the transcribed ones.
    const spoken = ((record.body.turns ?? []) as Record<string, string | null>[]).filter((t) => t.transcribedAt);
    for (const sample of sampled.filter((s) => s.conversation === conversation)) {
      const t = spoken[sample.turn];
      const at = (key: string) => (t?.[key] ? Date.parse(t[key]!) : null);
      const [transcribed, received, posted, reply, sayReceived, firstAudio] = ["transcribedAt", "receivedAt", "postedAt", "replyAt", "sayReceivedAt", "firstAudioAt"].map(at);
      if ([transcribed, received, posted, reply, sayReceived, firstAudio].some((v) => v === null)) continue;
      const row1Net = sample.botGot - sample.speechEnd - INJECTED_STT_MS;
      const row2Net = sample.heard - sample.posted - TTS_DELAY_MS;
      const row1: [string, number][] = [
        ["1. final transcript → the gateway has it (the agent's turn commit, the bridge)", received! - transcribed!],
        ["1. the gateway has it → its post to the bot begins", posted! - received!],
      ];
      row1.push(["1. the rest: caller's audio → agent → recognizer (net), and the post → the bot has it", row1Net - row1.reduce((sum, [, ms]) => sum + ms, 0)]);
      const row2: [string, number][] = [
        ["2. the send API has it → the agent has it (the call's object, the bridge)", sayReceived! - reply!],
        ["2. the agent has it → first audio out, net of the TTS's injected delay", firstAudio! - sayReceived! - TTS_DELAY_MS],
      ];
      row2.push(["2. the rest: the bot's post → the send API (wrangler's dev proxy), and first audio → at the caller", row2Net - row2.reduce((sum, [, ms]) => sum + ms, 0)]);
      for (const [name, ms] of [...row1, ...row2]) hops.set(name, [...(hops.get(name) ?? []), ms]);
      const parts = (row: [string, number][]) => `turn ${sample.turn + 1} of its call: ${row.map(([, ms]) => ms.toFixed(0)).join(" + ")}`;
      slowest.push({ row: 1, total: row1Net, parts: parts(row1) }, { row: 2, total: row2Net, parts: parts(row2) });
    }
  }

  // ---- 3: barge-in -----------------------------------------------------------------------------------------------
  const bargeIn: number[] = [];
  /** The agent's own measure of the same barge-ins (agent/barge-in-timing.ts). */
  const bargeInInAgent: number[] = [];
  {
    const { caller, conversation } = await call();
    for (let i = 0; i < 10; i++) {
      const frames = caller.audio.length;
      await botSays(conversation, longReply);
      await until(() => caller.audio.length > frames + 50, 15_000, "the bot speaking").catch((e) => { throw new Error(`${e.message} ${i} ${caller.audio.length - frames} ${JSON.stringify(caller.events)}`); }); // ~1 s into the reply
      const clears = caller.events.filter((e) => e.type === "clear").length;
      const onset = performance.now() + 100; // utterance has 100 ms of silence first... measured from the first voiced frame
      const seen = arrivals.filter((a) => a.conversation === conversation && a.body).length;
      const speaking = caller.say(utterance);
      const cleared = await until(() => caller.events.filter((e) => e.type === "clear")[clears] && performance.now(), 10_000, "clear");
      bargeIn.push(cleared - onset);
      await speaking;
      const measured = caller.events.filter((e) => e.type === "barge_in");
      if (measured.length > bargeInInAgent.length) bargeInInAgent.push(Number(measured.at(-1)!.detectedToStoppedMs));
      // The caller's words reach the bot (a real turn): only then the next round.
      await until(() => arrivals.filter((a) => a.conversation === conversation && a.body)[seen], 15_000, "barge-in words at the bot");
      await until(() => performance.now() - (caller.audio.at(-1)?.at ?? 0) > 1000, 20_000, "quiet again");
    }
    caller.hangUp();
    await caller.closed;
  }

  // ---- 4: CPU per concurrent call, per Silero mode (each its own agent) -------------------------------------------
  const cpuOf = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // seconds (USER_HZ = 100)
  };
  const cpuPhase = async (childPid: number, url: string, metrics: string) => {
    const measure = async (seconds: number) => {
      const c0 = cpuOf(childPid);
      const t0 = performance.now();
      await sleep(seconds * 1000);
      return (cpuOf(childPid) - c0) / ((performance.now() - t0) / 1000); // cores
    };
    // Idle is the agent with no call: the calls before (rows 1–3, or the round before) have ended at the agent, and
    // what their ending costs (sockets closing, the collector) is over: the lowest of five 1 s readings. Read while
    // they were ending, idle came out at up to 10 % of a core, and the per-call figure up to 0.4 % of a core too low.
    const callsAtAgent = async () => ((await (await fetch(new URL("/healthz", url))).json()) as { calls: number }).calls;
    await untilAsync(async () => (await callsAtAgent()) === 0, 30_000, "the agent to have no call left, 30 s after the last hung up");
    const idleReadings: number[] = [];
    for (let i = 0; i < 5; i++) idleReadings.push(await measure(1));
    const idle = Math.min(...idleReadings);
    const calls = await Promise.all(Array.from({ length: CALLS }, () => call(url)));
    let active = true;
    const loops = calls.map(async ({ caller, conversation }, i) => {
      await sleep(i * 150); // spread the turns
      while (active) {
        const seen = arrivals.filter((a) => a.conversation === conversation && a.body).length;
        await caller.say(utterance);
        await until(() => !active || arrivals.filter((a) => a.conversation === conversation && a.body)[seen], 30_000, "bot got it").catch(() => undefined);
        if (!active) break;
        await botSays(conversation, reply).catch(() => undefined);
        await sleep(1500);
      }
    });
    await sleep(3000);
    const windowsBefore = await vadWindows(metrics);
    // In thirds, so that a reading's spread shows: a passing spike (a collection, the machine) or a steady cost.
    const thirds: number[] = [];
    for (let i = 0; i < 3; i++) thirds.push(await measure(CPU_SECONDS / 3));
    const busy = thirds.reduce((a, b) => a + b, 0) / thirds.length;
    const windowsAfter = await vadWindows(metrics);
    // Of the callers' 32 ms windows in the reading, the share that reached Silero (the gate open), and that it ran on.
    const callerWindows = (CALLS * CPU_SECONDS * 1000) / 32;
    const ran = (windowsAfter.run - windowsBefore.run) / callerWindows;
    const reached = ran + (windowsAfter.skipped - windowsBefore.skipped) / callerWindows;
    active = false;
    await Promise.all(loops);
    for (const { caller } of calls) caller.hangUp();
    await Promise.all(calls.map(({ caller }) => caller.closed));
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${childPid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    return { idle, busy, thirds, rss, reached, ran };
  };
  const cpuRows: { mode: string; idle: number; busy: number; thirds: number[]; rss: number; reached: number; ran: number }[] = [];
  cpuRows.push({ mode: SILERO === "always" ? "Silero always" : "Silero gated", ...(await cpuPhase(agent.pid!, agentUrl, metricsUrl)) });
  if (SILERO === "both") {
    const always = await startAgent(false);
    cpuRows.push({ mode: "Silero always", ...(await cpuPhase(always.agent.pid!, always.url, always.metricsUrl)) });
  }
  /** Row 4's figure: the CPU one call costs, in % of a core. */
  const cpuPerCall = (busy: number, idle: number) => ((busy - idle) / CALLS) * 100;
  /** Row 4 per round, this tree's agent and the baseline's, per call (% of a core). */
  const baselineRounds: { current: number; baseline: number }[] = [];
  if (baseline) {
    const base = await startAgent(SILERO !== "always", baseline.root);
    const perCall = ({ busy, idle }: { busy: number; idle: number }) => cpuPerCall(busy, idle);
    for (let round = 0; round < BASELINE_ROUNDS; round++) {
      const current = () => cpuPhase(agent.pid!, agentUrl, metricsUrl);
      const before = () => cpuPhase(base.agent.pid!, base.url, base.metricsUrl);
      if (round % 2 === 0) baselineRounds.push({ baseline: perCall(await before()), current: perCall(await current()) });
      else baselineRounds.push({ current: perCall(await current()), baseline: perCall(await before()) });
    }
  }

  // ---- 5: eager end of turn, end to end, against its baseline ----------------------------------------------------
  interface EndToEnd {
    total: number;
    /** Speech end → the fake's EagerEndOfTurn / EndOfTurn (what it injects, plus the framing of our 50 ms chunks). */
    eagerAt: number | null;
    endOfTurnAt: number;
    toBot: number;
    firstAudioAfterEndOfTurn: number;
  }
  const EAGER_SETS = [
    ["cartesia", "plain"],
    ["cartesia", "eager"],
    ["deepgram", "plain"],
    ["deepgram", "eager"],
  ] as const;
  const endToEnd = new Map<string, EndToEnd[]>();
  const eagerFailures: string[] = [];
  if (EAGER) {
    answerAtOnce = (conversation, turn) => void botSays(conversation, reply, false, { inReplyTo: turn }).catch((e: Error) => eagerFailures.push(e.message));
    for (const [tts, mode] of EAGER_SETS) {
      const rows: EndToEnd[] = [];
      endToEnd.set(`${tts} ${mode}`, rows);
      const json = { ttsProvider: tts, eagerEndOfTurn: mode === "eager" ? EAGER_THRESHOLD : "off" };
      const patch = await callGateway(gateway.url, `/api/v1/services/${serviceId}`, { method: "PATCH", key: account.body.apiKey, json });
      token = patch.body.token;
      const connectionsBefore = deepgram.connections.length;
      const { caller, conversation } = await call();
      // Flux is connected once the session listens: this call's connection (one call at a time here).
      const connection = () => deepgram.connections.slice(connectionsBefore).find((c) => c.path === "/v2/listen");
      for (let t = 0; t < EAGER_TURNS; t++) {
        try {
          const seen = arrivals.filter((a) => a.conversation === conversation && a.body).length;
          const frames = caller.audio.length;
          const events = connection()?.turnEvents.length ?? 0;
          await caller.say(utterance);
          const endOfSpeech = performance.now() - trailingSilenceMs;
          const first = await until(() => caller.audio[frames], 15_000, "first audio of the reply");
          const arrived = arrivals.filter((a) => a.conversation === conversation && a.body)[seen]!;
          const turnEvents = connection()!.turnEvents.slice(events);
          const eagerEvent = turnEvents.find((e) => e.event === "EagerEndOfTurn");
          const endOfTurn = turnEvents.find((e) => e.event === "EndOfTurn")!;
          rows.push({
            total: first.at - endOfSpeech,
            eagerAt: eagerEvent ? eagerEvent.at - endOfSpeech : null,
            endOfTurnAt: endOfTurn.at - endOfSpeech,
            toBot: arrived.at - (eagerEvent ?? endOfTurn).at,
            firstAudioAfterEndOfTurn: first.at - endOfTurn.at,
          });
          await until(() => performance.now() - (caller.audio.at(-1)?.at ?? 0) > 300, 15_000, "reply played");
        } catch (error) {
          eagerFailures.push(`${tts} ${mode}, turn ${t + 1}: ${(error as Error).message}; call events: ${JSON.stringify(caller.events.slice(-4))}`);
        }
      }
      caller.hangUp();
      await caller.closed;
    }
    answerAtOnce = undefined;
  }

  // ---- report ----------------------------------------------------------------------------------------------------
  console.log(`\nvoice bench — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; STT ${STT}, TTS ${TTS}`);
  console.log(
    `fakes: ${STT === "flux" ? `Flux end of turn after ${fluxSilenceMs(EOT_THRESHOLD)} ms of silence` : `Deepgram endpointing ${ENDPOINTING_MS} ms`} + ${FINAL_DELAY_MS} ms before each final; ${TTS} TTS first byte after ${TTS_DELAY_MS} ms`,
  );
  console.log(`baseline  fake TTS alone, request → first byte: ${fmt(ttsAlone)}`);
  console.log(`utterance: ${(utterance.length / 16).toFixed(0)} ms, of which the last ${trailingSilenceMs} ms after the last voiced sample are silence`);
  console.log(`1. end of caller speech (last voiced sample) → bot receives text: ${fmt(toBot)}; net of ${INJECTED_STT_MS} ms injected: p50 ${(pct(toBot, 50) - INJECTED_STT_MS).toFixed(0)} ms, p95 ${(pct(toBot, 95) - INJECTED_STT_MS).toFixed(0)} ms`);
  console.log(`2. bot message → first audio frame at caller: ${fmt(toAudio)}; net of ${TTS_DELAY_MS} ms injected: p50 ${(pct(toAudio, 50) - TTS_DELAY_MS).toFixed(0)} ms, p95 ${(pct(toAudio, 95) - TTS_DELAY_MS).toFixed(0)} ms`);
  // A call's first reply runs code the agent process has not run before (the first calls of a fresh process).
  const firstOfCall = sampled.filter((s) => s.turn === 0).map((s) => (s.heard - s.posted - TTS_DELAY_MS).toFixed(0));
  const later = sampled.filter((s) => s.turn > 0).map((s) => s.heard - s.posted - TTS_DELAY_MS);
  console.log(`   net, each call's first reply: ${firstOfCall.join(", ")} ms; the later replies: p50 ${pct(later, 50).toFixed(0)} ms, p95 ${pct(later, 95).toFixed(0)} ms (n=${later.length})`);
  console.log(`   hop by hop, net (the gateway's and the agent's times for the same turns; n=${hops.values().next().value?.length ?? 0}):`);
  for (const [name, values] of hops) console.log(`     ${name}: p50 ${pct(values, 50).toFixed(0)} ms, p95 ${pct(values, 95).toFixed(0)} ms`);
  for (const row of [1, 2] as const) {
    const worst = slowest.filter((s) => s.row === row).sort((a, b) => b.total - a.total).slice(0, 3);
    console.log(`     row ${row}, its 3 slowest turns (ms, the hops above in order): ${worst.map((w) => w.parts).join("; ")}`);
  }
  if (failures.length > 0) console.log(`FAILED turns: ${failures.length}\n  ${failures.join("\n  ")}`);
  console.log(`3. barge-in, caller's first voiced frame → playback cleared: ${fmt(bargeIn)} (of which ~64 ms is Silero detecting speech: two 32 ms windows)`);
  console.log(`   barge-in in the agent, VAD detected speech → paced output stopped: ${bargeInInAgent.length ? fmt(bargeInInAgent) : "none reported"}`);
  // On paper: each provider set's published figures plus what we add ourselves (rows 1 and 2, net, p50). Our
  // turn-commit wait differs by recognizer (endpointing.minDelay: agent/turn-taking.ts): a set whose recognizer is
  // not the one measured gets the difference, shown apart.
  const oursToBot = pct(toBot, 50) - INJECTED_STT_MS;
  const oursToAudio = pct(toAudio, 50) - TTS_DELAY_MS;
  const commitWait = (stt: "flux" | "nova") => endpointingDelayMs({ sttName: stt === "flux" ? "deepgram-flux" : "deepgram" });
  console.log("on paper, speech end → first audio, bot excluded (p50): published STT + ours (turn → bot) + ours (bot → audio) + published TTS");
  for (const [stt, tts] of [["nova", "openai"], ["flux", "deepgram"], ["flux", "cartesia"]] as const) {
    const adjust = commitWait(stt) - commitWait(STT);
    const total = PUBLISHED[stt] + oursToBot + adjust + oursToAudio + PUBLISHED[tts];
    const note = adjust ? ` (${adjust > 0 ? "+" : ""}${adjust} ms turn-commit wait of ${stt}, not measured in this run)` : "";
    console.log(`   ${stt} + ${tts}: ${PUBLISHED[stt]} + ${oursToBot.toFixed(0)}${adjust ? ` ${adjust > 0 ? "+" : "−"} ${Math.abs(adjust)}` : ""} + ${oursToAudio.toFixed(0)} + ${PUBLISHED[tts]} = ${total.toFixed(0)} ms${note}`);
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  for (const { mode, idle, busy, thirds, rss, reached, ran } of cpuRows) {
    console.log(`4. agent CPU, ${mode}: idle ${(idle * 100).toFixed(1)} % of a core; ${CALLS} calls talking ${(busy * 100).toFixed(1)} % → ${cpuPerCall(busy, idle).toFixed(1)} % of a core per call; agent RSS after ${rss.toFixed(0)} MB`);
    console.log(`   per call in each third of the reading: ${thirds.map((third) => cpuPerCall(third, idle).toFixed(1)).join(", ")} %`);
    console.log(`   Silero, of the callers' windows in the reading: ${(reached * 100).toFixed(0)} % reached it, ${(ran * 100).toFixed(0)} % ran the model`);
  }
  if (baseline) {
    console.log(`4. against the baseline ${baseline.commit} (${cpuRows[0]!.mode}), per call, in alternating rounds (% of a core):`);
    for (const [i, { current, baseline: before }] of baselineRounds.entries()) console.log(`   round ${i + 1}: baseline ${before.toFixed(2)}, this tree ${current.toFixed(2)}, ratio ${(current / before).toFixed(2)}`);
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    console.log(
      `   median: baseline ${median(baselineRounds.map((r) => r.baseline)).toFixed(2)}, this tree ${median(baselineRounds.map((r) => r.current)).toFixed(2)}; median ratio ${median(baselineRounds.map((r) => r.current / r.baseline)).toFixed(2)}`,
    );
  }
  console.log(`load average at the end (1, 5, 15 min): ${load}`);
  if (EAGER) {
    const p50 = (rows: EndToEnd[], pick: (r: EndToEnd) => number | null) => pct(rows.map(pick).filter((v): v is number => v !== null), 50);
    console.log(
      `5. on paper, speech end (last voiced sample) → first audio at the caller, bot excluded (it answers at once), one call at a time: the fakes inject Flux's EagerEndOfTurn ${PUBLISHED_FLUX_EAGER} ms and EndOfTurn ${PUBLISHED.flux} ms, the TTS's first byte (Cartesia ${PUBLISHED.cartesia}, Aura-2 ${PUBLISHED.deepgram} ms); the rest is ours, measured`,
    );
    for (const [tts, mode] of EAGER_SETS) {
      const rows = endToEnd.get(`${tts} ${mode}`) ?? [];
      if (rows.length === 0) continue;
      const eagerPart = mode === "eager" ? `EagerEndOfTurn at ${p50(rows, (r) => r.eagerAt).toFixed(0)} ms, ` : "";
      const label = `flux ${mode === "eager" ? `eager ${EAGER_THRESHOLD}` : "(baseline)"} + ${tts}`;
      // The fake's events are timed on its own 50 ms chunks of silence, not from the last voiced sample: shifted to the
      // published times, each turn's total moves by the difference of the event it waited for. Baseline: EndOfTurn.
      // Eager: the eager event's shift (the later of the two), an upper bound when the reply was ready before EndOfTurn.
      const shifted = rows.map((r) => r.total + (r.eagerAt === null ? PUBLISHED.flux - r.endOfTurnAt : Math.max(PUBLISHED_FLUX_EAGER - r.eagerAt, PUBLISHED.flux - r.endOfTurnAt)));
      console.log(
        `   ${label}: ${fmt(rows.map((r) => r.total))}; shifted to the published event times: ${fmt(shifted)}; p50 parts: ${eagerPart}EndOfTurn at ${p50(rows, (r) => r.endOfTurnAt).toFixed(0)} ms, Flux event → bot has the turn ${p50(rows, (r) => r.toBot).toFixed(0)} ms, EndOfTurn → first audio ${p50(rows, (r) => r.firstAudioAfterEndOfTurn).toFixed(0)} ms`,
      );
    }
    if (eagerFailures.length > 0) console.log(`   FAILED: ${eagerFailures.length}\n   ${eagerFailures.join("\n   ")}`);
  }
} finally {
  await cleanup();
}
process.exit(0);

import { readFile, writeFile } from "node:fs/promises";
import { concatSamples } from "../agent/audio.ts";
import { type CallRecord, type PhoneMyBotClient, expectData } from "../client/index.ts";
import { type CallEvent, localEndReasonText } from "../protocol/voice.ts";
import { allSettled } from "./call-progress.ts";
import { LocalCallSocket } from "./local-call.ts";
import { UsageError } from "./options.ts";
import type { Output } from "./output.ts";
import { pcmToWav, wavToCallerAudio } from "./wav.ts";

/** The agent's audio to the caller: PCM16 mono 24 kHz. */
const REPLY_RATE = 24_000;
/** A pause this long in the agent's audio ends the bot's reply. */
const REPLY_PAUSE_MS = 1200;
/** Before speaking, a pause this long in the agent's audio (or no audio at all) ends the bot's greeting. */
const GREETING_PAUSE_MS = 2000;
/** How long to wait for the reply's audio to start once its text has come. */
const REPLY_AUDIO_MS = 10_000;

export interface SayOptions {
  serviceId: string;
  wav: string;
  out?: string;
  timeoutMs: number;
}

type Event<T extends CallEvent["type"]> = Extract<CallEvent, { type: T }>;

/**
 * `phonemybot say`: a voice call on the local agent (a ticket from `POST /api/v1/services/{id}/browser-calls`), the
 * recording as the caller's microphone, then what the recognizer heard, the bot's reply in words and in audio.
 * Returns the exit code: 1 when the bot did not answer or a message did not reach it.
 */
export async function runSay(api: PhoneMyBotClient, options: SayOptions, output: Output): Promise<number> {
  let recording: Int16Array;
  try {
    recording = wavToCallerAudio(await readFile(options.wav));
  } catch (error) {
    throw new UsageError(`cannot read ${options.wav}: ${(error as Error).message}`);
  }
  output.progress(`· ${options.wav}: ${(recording.length / 16_000).toFixed(1)} s of audio`);

  const grant = expectData(await api.POST("/api/v1/services/{id}/browser-calls", { params: { path: { id: options.serviceId } } }), "asking for a voice call");
  if (grant.mode !== "local") {
    throw new Error("this gateway carries voice calls over LiveKit; `say` needs the local voice agent (`npm start` without LIVEKIT_URL)");
  }
  const call = new LocalCallSocket(grant.agentUrl, grant.ticket);
  try {
    await call.opened;
    const of = <T extends CallEvent["type"]>(type: T) => call.events.filter((e): e is Event<T> => e.type === type);
    const endedOrClosed = () => of("ended").length > 0 || !call.isOpen;

    await call.until(() => of("started").length > 0 || endedOrClosed(), 15_000);
    const started = of("started")[0];
    if (!started) throw new Error(`the voice agent did not start the call: ${await closeReason(call, of("ended")[0])}`);
    if (started.testMode) {
      throw new Error("the service is in demo mode (no bot URL): the agent would ask for the test PIN. Give it a bot URL first");
    }
    output.progress(`· call ${started.conversation} started (speech: ${started.stt} → bot → ${started.tts})`);
    if (!started.sttUnderstandsLanguage) output.progress(`· warning: ${started.stt} does not understand ${started.language}; expect a poor transcript`);

    // Like a caller, listen to the bot's greeting (if any) before speaking: once the bot has been told of the call,
    // until the agent's audio pauses.
    await firstDeliverySettled(api, started.conversation, options.timeoutMs);
    const startedAt = performance.now();
    const quietFor = (ms: number) => performance.now() - (call.audio.at(-1)?.at ?? startedAt) > ms;
    await call.until(() => endedOrClosed() || quietFor(GREETING_PAUSE_MS), options.timeoutMs);
    const botSaid = () => of("bot").filter((e) => e.id !== null);
    for (const greeting of botSaid()) output.say(`bot (greeting): ${greeting.text}`);
    const greetings = botSaid().map((g) => g.text);

    output.progress("· speaking the recording…");
    await Promise.race([call.speak(recording), call.closed]);
    output.progress("· waiting for the transcript and the bot's reply");
    const heardAt = () => call.events.findIndex((e) => e.type === "caller" && e.final);
    // The reply: what the bot says after the caller's words were recognized.
    const replies = () => (heardAt() < 0 ? [] : call.events.slice(heardAt()).filter((e): e is Event<"bot"> => e.type === "bot" && e.id !== null));
    const replied = await call.until(() => replies().length > 0 || endedOrClosed(), options.timeoutMs);
    const heard = of("caller").filter((e) => e.final).map((e) => e.text);
    const transcript = heard.join(" ");
    output.say(`you (heard): ${transcript || "(nothing recognized)"}`);

    let replyAudio: Int16Array = new Int16Array(0);
    if (replied && replies().length > 0) {
      const firstReplyAt = call.events.indexOf(replies()[0]!);
      const sinceReply = () => call.audio.slice(audioIndexAt(call, firstReplyAt));
      // The reply's audio: from its first chunk until the agent pauses, the call ends, or nothing comes at all.
      await call.until(() => sinceReply().length > 0 || endedOrClosed(), REPLY_AUDIO_MS);
      await call.until(() => endedOrClosed() || (sinceReply().length > 0 && quietFor(REPLY_PAUSE_MS)), options.timeoutMs);
      replyAudio = concatSamples(sinceReply().map((a) => a.samples));
    }
    for (const reply of replies()) output.say(`bot: ${reply.text}`);
    if (replies().length === 0) output.progress(`✗ the bot did not answer within ${options.timeoutMs} ms`);

    const seconds = replyAudio.length / REPLY_RATE;
    if (options.out && replyAudio.length > 0) {
      await writeFile(options.out, pcmToWav(replyAudio, REPLY_RATE));
      output.progress(`· the reply's audio: ${seconds.toFixed(1)} s → ${options.out}`);
    }

    call.hangUp();
    await Promise.race([call.closed, new Promise((r) => setTimeout(r, 3000))]);
    const record = await settledRecord(api, started.conversation);
    const failed = record?.messages.filter((m) => m.delivery === "failed") ?? [];
    for (const message of failed) output.progress(`✗ not delivered to the bot: ${message.error ?? "failed"}`);
    const ok = replies().length > 0 && failed.length === 0;
    if (ok) output.progress("✓ the bot answered");
    output.result({
      ok,
      conversation: started.conversation,
      greeting: greetings,
      transcript,
      reply: replies().map((r) => r.text).join(" "),
      replies: replies().map((r) => r.text),
      audio: replyAudio.length > 0 ? { file: options.out ?? null, seconds, sampleRate: REPLY_RATE } : null,
      failedDeliveries: failed.length,
      endReason: record?.endReason ?? null,
    });
    return ok ? 0 : 1;
  } finally {
    call.close();
  }
}

/** How many audio chunks had arrived when event number `eventIndex` did (events and audio share one socket, in order). */
function audioIndexAt(call: LocalCallSocket, eventIndex: number): number {
  return call.audioCountAtEvent[eventIndex] ?? call.audio.length;
}

async function closeReason(call: LocalCallSocket, ended: Event<"ended"> | undefined): Promise<string> {
  if (ended) return localEndReasonText(ended.reason);
  const closed = await Promise.race([call.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]);
  return closed ? `the socket closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ""})` : "no answer";
}

/** The call's record once its deliveries have settled (up to 15 s), to tell whether the bot got everything. */
async function settledRecord(api: PhoneMyBotClient, conversation: string): Promise<CallRecord | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const result = await api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } });
    if (!result.data) return undefined;
    if ((result.data.state === "ended" && allSettled(result.data)) || Date.now() > deadline) return result.data;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits (up to `timeoutMs`) until the call's first message, the bot's `new`, has been delivered or has failed. */
async function firstDeliverySettled(api: PhoneMyBotClient, conversation: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { data } = await api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation } } });
    const first = data?.messages.find((m) => m.direction === "to_bot");
    if (!data || data.state === "ended" || (first?.delivery !== undefined && first.delivery !== "pending")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

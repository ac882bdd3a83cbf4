import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import { concatSamples, decodeWav, frames, resample, rms, silence } from "../../agent/audio.ts";
import { SphinxSTT } from "../../agent/providers/sphinx-stt.ts";
import { waitFor } from "./helpers.ts";
import type { LocalCaller } from "./local-caller.ts";

/** Helpers of the end-to-end tests through offline speech: espeak-ng in, pocketsphinx with a phrase grammar out. */

/** Caller speech: espeak-ng at 16 kHz, with a little silence around it. */
export function speech(text: string): Int16Array {
  const out = spawnSync("espeak-ng", ["-v", "en-us", "--stdout", text]);
  const { samples, sampleRate } = decodeWav(out.stdout);
  return concatSamples([silence(16_000, 200), resample(samples, sampleRate, 16_000), silence(16_000, 200)]);
}

/** Where the voice starts in 16 kHz caller speech (ms): the first 20 ms frame with some energy. */
export function voiceOnsetMs(samples: Int16Array): number {
  for (let i = 0; i < samples.length; i += 320) if (rms(samples.subarray(i, i + 320)) > 0.02) return i / 16;
  throw new Error("no voice in the caller's speech");
}

/** Seconds of speech espeak-ng makes of `text` with the agent's voice and speed (agent/providers/espeak-tts.ts). */
export function espeakSeconds(text: string): number {
  const { samples, sampleRate } = decodeWav(spawnSync("espeak-ng", ["-v", "en-us", "-s", "165", "--stdout", text]).stdout);
  return samples.length / sampleRate;
}

/** Waits until the caller has heard something since `t0` and then nothing for a while; returns what it heard. */
export async function heardUntilQuiet(caller: LocalCaller, t0: number): Promise<Int16Array> {
  await waitFor(() => caller.audio.some((a) => a.at >= t0) && performance.now() - caller.audio.at(-1)!.at > 600, 30_000, "the audio to end");
  return caller.heardSince(t0);
}

/** What pocketsphinx recognizes in 24 kHz audio the caller heard, constrained to `phrases`. */
export async function transcribe(heard: Int16Array, phrases: string[]): Promise<string | undefined> {
  const sphinx = new SphinxSTT({ phrases });
  try {
    return (await sphinx.recognize([...frames(heard, 24_000)])).alternatives?.[0]?.text;
  } finally {
    await sphinx.close();
  }
}

export async function poll<T>(get: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bot's message through the messaging API, which must be delivered. */
export async function botSendsTo(gatewayUrl: string, token: string, conversation: string, message: Record<string, unknown>) {
  const res = await fetch(`${gatewayUrl}/cloudengine/rest/voicebot/send/${conversation}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${token}` },
    body: JSON.stringify({ conversation, ...message }),
  });
  expect(await res.json()).toEqual({ success: true, reason: "delivered" });
}

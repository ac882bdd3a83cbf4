import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawnSync } from "node:child_process";
import { SILENCE_PEAK_PCM16, decodeWav, resample, samplesToBytes } from "../../agent/audio.ts";
import { TTS_FRAME_MS } from "../../agent/providers/pcm-stream.ts";
import { type FaultPlan, type PcmPacing, nextFault, streamPcm } from "./pcm-response.ts";

export interface SpeechRequest {
  authorization: string | undefined;
  body: { model: string; input: string; voice: string; response_format: string; speed?: number };
  at: number;
}

export type FakeOpenAIOptions = PcmPacing;

/**
 * A loopback server that answers like OpenAI's `POST /v1/audio/speech` with `response_format: "pcm"`: 16-bit mono
 * 24 kHz, sent chunked. The audio is real speech of the requested text (espeak-ng, resampled), so it can be
 * transcribed back.
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}) {
  const requests: SpeechRequest[] = [];
  let faults: FaultPlan = { count: 0 };
  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/audio/speech") return res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as SpeechRequest["body"];
      requests.push({ authorization: req.headers.authorization, body, at: performance.now() });
      if (body.response_format !== "pcm") return res.writeHead(400).end(JSON.stringify({ error: { message: "fake supports pcm only" } }));
      const fault = nextFault(faults);
      if (fault?.status) return res.writeHead(fault.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } }));
      await streamPcm(res, samplesToBytes(speak(body.input)), 24_000, options, fault?.afterBytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    /** Cuts the connection of the next `count` responses after `afterBytes` of audio, as a network failure would. */
    dropNext(count: number, afterBytes: number) {
      faults = { count, afterBytes };
    },
    /** Answers the next `count` requests with an error status. */
    refuseNext(count: number, status: number) {
      faults = { count, status };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Samples of `speak(text)` a caller hears: the agent drops a reply's silence after its last sound, in whole frames as
 * the TTS adapters cut them (`TTS_FRAME_MS`; agent/trailing-silence.ts; silence as agent/audio.ts has it), so the
 * reply ends with the frame of its last sound.
 */
export function heardLength(text: string, voice = "en-us", rate = 24_000): number {
  const samples = speak(text, voice, rate);
  const frame = (rate / 1000) * TTS_FRAME_MS;
  let last = samples.length - 1;
  while (last >= 0 && Math.abs(samples[last]!) < SILENCE_PEAK_PCM16) last--;
  return last < 0 ? 0 : Math.min(samples.length, (Math.floor(last / frame) + 1) * frame);
}

const cache = new Map<string, Int16Array>();
/** Real speech for `text` at 24 kHz. */
export function speak(text: string, voice = "en-us", rate = 24_000): Int16Array {
  const key = `${voice}:${rate}:${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const out = spawnSync("espeak-ng", ["-v", voice, "--stdout", "--", text], { maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`espeak-ng failed: ${out.stderr.toString()}`);
  const { samples, sampleRate } = decodeWav(out.stdout);
  const result = resample(samples, sampleRate, rate);
  cache.set(key, result);
  return result;
}

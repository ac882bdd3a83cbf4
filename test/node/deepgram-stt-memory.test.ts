import type { AudioFrame } from "@livekit/rtc-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { frames, silence } from "../../agent/audio.ts";
import { DeepgramSTT } from "../../agent/providers/deepgram-stt.ts";
import { FluxSTT } from "../../agent/providers/flux-stt.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { collectGarbage, initLogger, waitFor } from "../agent/helpers.ts";

let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
beforeAll(async () => {
  initLogger();
  deepgram = await startFakeDeepgram([]);
});
afterAll(() => deepgram.close());

/**
 * A call's audio goes through the recognizer's socket and is let go of: a long call must not keep every frame it sent
 * until its connection closes (each read raced against the socket's close once kept its frame alive that long).
 */
it.each([
  ["nova", () => new DeepgramSTT({ apiKey: "k", baseUrl: deepgram.url, language: "en-US", model: "nova-3", endpointingMs: 300 })],
  ["Flux", () => new FluxSTT({ apiKey: "k", baseUrl: deepgram.url, language: "en-US", eotThreshold: 0.7 })],
])("%s: frames already sent are not kept alive by the open connection", async (_name, create) => {
  const before = deepgram.connections.length;
  const stream = create().stream();
  const sent: WeakRef<AudioFrame>[] = [];
  const audio = silence(16_000, 8_000);
  for (const frame of frames(audio, 16_000, 40)) {
    sent.push(new WeakRef(frame));
    stream.pushFrame(frame);
  }
  const connection = await waitFor(() => deepgram.connections[before]?.audioBytes === audio.byteLength && deepgram.connections[before], 10_000, "all the audio at the fake");
  await collectGarbage();
  const alive = sent.filter((ref) => ref.deref() !== undefined).length;
  expect(connection.closed).toBe(false);
  // The last frame may still be held by a pending read; the other 199 are garbage.
  expect(alive).toBeLessThanOrEqual(2);
  stream.close();
});

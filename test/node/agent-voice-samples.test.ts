import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeWav } from "../../agent/audio.ts";
import { voiceCatalogue } from "../../agent/voice-samples.ts";
import { startFakeCartesia } from "../agent/fake-cartesia.ts";
import { startFakeDeepgram } from "../agent/fake-deepgram.ts";
import { speak } from "../agent/fake-openai.ts";
import { initLogger } from "../agent/helpers.ts";

/** The agent's voice list and samples (agent/voice-samples.ts) over real HTTP, with Deepgram and Cartesia fakes. */
let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
let cartesia: Awaited<ReturnType<typeof startFakeCartesia>>;
let base = "";
let close: () => Promise<void>;

beforeAll(async () => {
  initLogger();
  [deepgram, cartesia] = await Promise.all([startFakeDeepgram([]), startFakeCartesia()]);
  const catalogue = voiceCatalogue({ deepgramApiKey: "dg", deepgramUrl: deepgram.url, cartesiaApiKey: cartesia.apiKey, cartesiaUrl: cartesia.url });
  const server = createServer((req, res) => catalogue.handle(req, res) || res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  await Promise.all([deepgram.close(), cartesia.close()]);
});

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), cors: res.headers.get("access-control-allow-origin"), body: Buffer.from(await res.arrayBuffer()) };
};

describe("GET /voices", () => {
  it("lists the providers this agent has keys for, with their voices for the language (none without a key)", async () => {
    const en = await get("/voices?language=en-US");
    expect(en.status).toBe(200);
    expect(en.cors).toBe("*");
    const providers = JSON.parse(en.body.toString()).providers as { provider: string; voices: { id: string }[] }[];
    expect(providers.map((p) => p.provider)).toEqual(["cartesia", "deepgram", "espeak"]); // no OpenAI key
    expect(providers.find((p) => p.provider === "deepgram")!.voices.map((v) => v.id)).toContain("aura-2-thalia-en");
    // Aura-2 has no French voice here: not offered for French.
    const fr = JSON.parse((await get("/voices?language=fr-FR")).body.toString()).providers as { provider: string }[];
    expect(fr.map((p) => p.provider)).toEqual(["cartesia", "espeak"]);
    const bad = await get("/voices?language=xx");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ error: "bad_request", details: [{ field: "language" }] });
  });
});

describe("GET /voices/sample", () => {
  it("synthesizes a sentence in the voice asked for, once (a replay is served from memory)", async () => {
    const path = "/voices/sample?provider=cartesia&voice=a0e99841-438c-4a64-b679-ae501e7d6091&language=en-GB&rate=1";
    const before = cartesia.generations.length;
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.type).toBe("audio/wav");
    const { samples, sampleRate } = decodeWav(first.body);
    expect(sampleRate).toBe(24_000);
    expect(samples.length).toBe(speak("Hello! This is how I will sound when your callers ring.").length);
    expect(cartesia.generations.at(-1)!.body.voice.id).toBe("a0e99841-438c-4a64-b679-ae501e7d6091");
    const again = await get(path);
    expect(again.body.equals(first.body)).toBe(true);
    expect(cartesia.generations.length - before).toBe(1);
  });

  it("Deepgram's default Aura-2 voice for Spanish, at the rate asked for", async () => {
    const res = await get("/voices/sample?provider=deepgram&language=es-ES&rate=1.3");
    expect(res.status).toBe(200);
    expect(Object.fromEntries(deepgram.speakRequests.at(-1)!.query)).toMatchObject({ model: "aura-2-celeste-es", speed: "1.3" });
  });

  it("refuses what it cannot do, naming the field", async () => {
    const cases: [string, string][] = [
      ["/voices/sample?provider=openai&language=en-US", "provider"], // no key
      ["/voices/sample?provider=auto&language=en-US", "provider"],
      ["/voices/sample?provider=deepgram&language=en-US&voice=aura-2-celeste-es", "voice"], // not an English voice
      ["/voices/sample?provider=espeak&language=en-US&rate=3", "rate"],
      ["/voices/sample?provider=espeak&language=klingon", "language"],
    ];
    for (const [path, field] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body.toString()).details.map((d: { field: string }) => d.field), path).toEqual([field]);
    }
  });

  it("a provider that fails answers 502 with its reason, and is asked again next time", async () => {
    cartesia.errorNext(1, 400);
    const path = "/voices/sample?provider=cartesia&language=de-DE";
    const failed = await get(path);
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.body.toString())).toMatchObject({ error: "provider_failed" });
    expect((await get(path)).status).toBe(200);
  });
});

import type { IncomingMessage, ServerResponse } from "node:http";
import { concatSamples, encodeWav } from "./audio.ts";
import { supportedLanguage } from "../protocol/languages.ts";
import { SPEAKING_RATE, TTS_PROVIDERS } from "../protocol/settings/voice.ts";
import { type SpeechConfig, createTts, offeredVoices } from "./providers/index.ts";
import { type Provider, type ProviderVoices, voicesFor } from "./providers/voices.ts";

/**
 * The agent's voice catalogue for the portal's Voice card (agent/local-server.ts routes):
 *   GET /voices?language=fr-FR → `{ providers: [{ provider, label, voices: [{ id, label }] }] }`: the providers this
 *     agent has keys for (espeak-ng always) and their voices for that language;
 *   GET /voices/sample?provider=&voice=&language=&rate= → a WAV of a short sentence in that voice.
 * Both answer any origin (nothing secret; the portal runs on the gateway's origin). A sample is synthesized once per
 * (provider, voice, language, rate) and kept, so that replaying it costs the provider nothing.
 */

const SAMPLE_TEXT: Record<string, string> = {
  en: "Hello! This is how I will sound when your callers ring.",
  es: "¡Hola! Así es como sonaré cuando llamen sus clientes.",
  fr: "Bonjour ! Voici comment je parlerai à vos appelants.",
  de: "Hallo! So klinge ich, wenn Ihre Kunden anrufen.",
  it: "Ciao! Ecco come suonerò quando chiameranno i tuoi clienti.",
  pt: "Olá! É assim que vou soar quando os seus clientes ligarem.",
  nl: "Hallo! Zo klink ik wanneer uw bellers bellen.",
};
const sampleText = (language: string) => SAMPLE_TEXT[language.split("-")[0]!] ?? SAMPLE_TEXT.en!;

const MAX_CACHED = 64;

export interface VoiceCatalogue {
  /** Answers the request if it is one of ours; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

type Problem = { field: string; message: string };

export function voiceCatalogue(config: SpeechConfig): VoiceCatalogue {
  const offered = offeredVoices(config);
  const samples = new Map<string, Promise<Buffer>>();

  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*", "cache-control": "no-store" }).end(JSON.stringify(body));

  function listing(language: string | undefined): { providers: ProviderVoices[] } {
    return {
      providers: offered
        .map((p) => ({ ...p, voices: (language ? voicesFor(offered, p.provider, language) : p.voices).map(({ id, label }) => ({ id, label })) }))
        .filter((p) => p.voices.length > 0),
    };
  }

  function sample(params: URLSearchParams): { problems: Problem[]; key?: string; make?: () => Promise<Buffer> } {
    const problems: Problem[] = [];
    const language = supportedLanguage(params.get("language") ?? "");
    if (!language) problems.push({ field: "language", message: "a supported language tag, e.g. en-US" });
    const provider = params.get("provider") as Provider;
    if (!TTS_PROVIDERS.includes(provider as never) || (provider as string) === "auto") problems.push({ field: "provider", message: "one of cartesia, deepgram, openai, espeak" });
    else if (!offered.some((p) => p.provider === provider)) problems.push({ field: "provider", message: "this agent has no key for that provider" });
    const rate = Number(params.get("rate") ?? 1);
    if (!(rate >= SPEAKING_RATE.min && rate <= SPEAKING_RATE.max)) problems.push({ field: "rate", message: `a number from ${SPEAKING_RATE.min} to ${SPEAKING_RATE.max}` });
    const voice = params.get("voice") || null;
    if (problems.length === 0 && voice !== null && !voicesFor(offered, provider, language!).some((v) => v.id === voice)) {
      problems.push({ field: "voice", message: "not a voice of that provider for that language" });
    }
    if (problems.length > 0) return { problems };
    const key = JSON.stringify([provider, voice, language, rate]);
    return {
      problems,
      key,
      make: async () => {
        const tts = createTts(config, provider, voice, language!, rate);
        const errors: unknown[] = [];
        tts.on("error", (e) => errors.push(e.error));
        try {
          const parts: Int16Array[] = [];
          for await (const audio of tts.synthesize(sampleText(language!))) parts.push(audio.frame.data);
          if (parts.length === 0) throw errors[0] instanceof Error ? errors[0] : new Error("the provider returned no audio");
          return encodeWav(concatSamples(parts), tts.sampleRate);
        } finally {
          await tts.close();
        }
      },
    };
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method !== "GET" || (url.pathname !== "/voices" && url.pathname !== "/voices/sample")) return false;
      if (url.pathname === "/voices") {
        const language = url.searchParams.get("language");
        const tag = language ? supportedLanguage(language) : undefined;
        if (language && !tag) json(res, 400, { error: "bad_request", details: [{ field: "language", message: "a supported language tag, e.g. en-US" }] });
        else json(res, 200, listing(tag));
        return true;
      }
      const { problems, key, make } = sample(url.searchParams);
      if (problems.length > 0 || !key || !make) {
        json(res, 400, { error: "bad_request", details: problems });
        return true;
      }
      let audio = samples.get(key);
      if (!audio) {
        audio = make();
        samples.set(key, audio);
        audio.catch(() => samples.delete(key));
        if (samples.size > MAX_CACHED) samples.delete(samples.keys().next().value!);
      }
      audio.then(
        (wav) => res.writeHead(200, { "content-type": "audio/wav", "access-control-allow-origin": "*", "cache-control": "max-age=3600" }).end(wav),
        (error: unknown) => json(res, 502, { error: "provider_failed", message: error instanceof Error ? error.message : String(error) }),
      );
      return true;
    },
  };
}

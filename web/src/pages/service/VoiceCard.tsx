import { type FormEvent, useEffect, useState } from "react";
import type { Service, ServicePatch } from "../../../../protocol/management.ts";
import { EAGER_END_OF_TURN_THRESHOLD, END_OF_TURN_THRESHOLD, SPEAKING_RATE, TTS_PROVIDERS, type TtsProvider } from "../../../../protocol/settings/voice.ts";
import type { VoiceConfig } from "../../../../protocol/voice.ts";
import { ApiProblem, api, errorText } from "../../api.ts";
import { Alert, Button, Card, Field } from "../../components/ui.tsx";

/** The service page's PATCH (Service.tsx's `Patch`, spelled out here so that this card does not import the page). */
type Patch = (patch: Partial<Record<keyof ServicePatch, unknown>>) => Promise<unknown>;

/** What the voice agent offers (`GET {agentUrl}/voices?language=`, agent/voice-samples.ts). */
interface Offered {
  provider: Exclude<TtsProvider, "auto">;
  label: string;
  voices: { id: string; label: string }[];
}

type Fields = "ttsProvider" | "ttsVoice" | "speakingRate" | "endOfTurnThreshold" | "eagerEndOfTurn";
const FIELDS: Fields[] = ["ttsProvider", "ttsVoice", "speakingRate", "endOfTurnThreshold", "eagerEndOfTurn"];

const PROVIDER_NAMES: Record<TtsProvider, string> = {
  auto: "Automatic (the fastest the agent has)",
  cartesia: "Cartesia Sonic",
  deepgram: "Deepgram Aura-2",
  openai: "OpenAI",
  espeak: "espeak-ng (offline)",
};

/**
 * The service's voice: text-to-speech provider and voice (with a sample of each, synthesized by the voice agent),
 * speaking rate, and how sure the recognizer must be that the caller has finished before the bot answers.
 */
export function VoiceCard(props: { service: Service; patch: Patch }) {
  const { service } = props;
  const [provider, setProvider] = useState<TtsProvider>(service.ttsProvider);
  const [voice, setVoice] = useState(service.ttsVoice ?? "");
  const [rate, setRate] = useState(String(service.speakingRate));
  const [threshold, setThreshold] = useState(String(service.endOfTurnThreshold));
  /** Empty: off. */
  const [eager, setEager] = useState(service.eagerEndOfTurn === "off" ? "" : String(service.eagerEndOfTurn));
  const [agentUrl, setAgentUrl] = useState<string | null>(null);
  const [offered, setOffered] = useState<Offered[] | null>(null);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const [sample, setSample] = useState<{ url: string; label: string } | null>(null);
  const [sampleBusy, setSampleBusy] = useState(false);
  const [sampleError, setSampleError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Fields, string>>>({});
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const config = await api<VoiceConfig>("GET", "/api/v1/voice/config");
      if (!config.agentUrl) return;
      const res = await fetch(new URL(`/voices?language=${encodeURIComponent(service.language)}`, config.agentUrl));
      if (!res.ok) throw new Error(`the voice agent answered ${res.status}`);
      const body = (await res.json()) as { providers: Offered[] };
      if (cancelled) return;
      setAgentUrl(config.agentUrl);
      setOffered(body.providers);
    })().catch((e: unknown) => !cancelled && setCatalogueError(`The voice agent could not list its voices (${errorText(e)}).`));
    return () => {
      cancelled = true;
    };
  }, [service.language]);
  useEffect(
    () => () => {
      if (sample) URL.revokeObjectURL(sample.url);
    },
    [sample],
  );

  const providers: TtsProvider[] = offered ? ["auto", ...offered.map((p) => p.provider)] : [...TTS_PROVIDERS];
  if (!providers.includes(provider)) providers.push(provider); // saved earlier, not offered by this agent
  const effective = provider === "auto" ? offered?.[0]?.provider : provider;
  const voices = offered?.find((p) => p.provider === effective)?.voices ?? [];

  const values = {
    ttsProvider: provider,
    ttsVoice: voice || null,
    speakingRate: Number(rate),
    endOfTurnThreshold: Number(threshold),
    eagerEndOfTurn: eager.trim() === "" ? ("off" as const) : Number(eager),
  };
  const current = {
    ttsProvider: service.ttsProvider,
    ttsVoice: service.ttsVoice,
    speakingRate: service.speakingRate,
    endOfTurnThreshold: service.endOfTurnThreshold,
    eagerEndOfTurn: service.eagerEndOfTurn,
  };
  const changed = FIELDS.filter((k) => values[k] !== current[k]);

  const playSample = async () => {
    if (!agentUrl || !effective) return;
    setSampleBusy(true);
    setSampleError(null);
    try {
      const query = new URLSearchParams({ provider: effective, language: service.language, rate: String(Number(rate) || 1) });
      if (voice && provider !== "auto") query.set("voice", voice);
      const res = await fetch(new URL(`/voices/sample?${query}`, agentUrl));
      if (!res.ok) {
        const problem = (await res.json().catch(() => ({}))) as { message?: string; details?: { field: string; message: string }[] };
        throw new Error(problem.message ?? problem.details?.map((d) => `${d.field}: ${d.message}`).join("; ") ?? `HTTP ${res.status}`);
      }
      const label = `${PROVIDER_NAMES[effective]}, ${voices.find((v) => v.id === voice)?.label ?? "default voice"}`;
      setSample({ url: URL.createObjectURL(await res.blob()), label });
    } catch (e) {
      setSampleError(`No sample: ${errorText(e)}`);
    } finally {
      setSampleBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: Partial<Record<Fields, string>> = {};
    const r = Number(rate);
    if (!(r >= SPEAKING_RATE.min && r <= SPEAKING_RATE.max)) errors.speakingRate = `Enter a rate from ${SPEAKING_RATE.min} to ${SPEAKING_RATE.max}.`;
    const t = Number(threshold);
    if (!(t >= END_OF_TURN_THRESHOLD.min && t <= END_OF_TURN_THRESHOLD.max)) errors.endOfTurnThreshold = `Enter a threshold from ${END_OF_TURN_THRESHOLD.min} to ${END_OF_TURN_THRESHOLD.max}.`;
    const e = values.eagerEndOfTurn;
    if (e !== "off" && !(e >= EAGER_END_OF_TURN_THRESHOLD.min && e <= EAGER_END_OF_TURN_THRESHOLD.max)) {
      errors.eagerEndOfTurn = `Leave it empty (off) or enter a threshold from ${EAGER_END_OF_TURN_THRESHOLD.min} to ${EAGER_END_OF_TURN_THRESHOLD.max}.`;
    }
    setFieldErrors(errors);
    setSaved(false);
    if (Object.keys(errors).length > 0 || changed.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await props.patch(Object.fromEntries(changed.map((k) => [k, values[k]])));
      setSaved(true);
    } catch (e) {
      if (e instanceof ApiProblem && FIELDS.some((f) => e.fieldMessage(f))) setFieldErrors(Object.fromEntries(FIELDS.map((f) => [f, e.fieldMessage(f)])));
      else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Voice" description="How your bot sounds on calls, and how soon it answers once the caller stops speaking.">
      <form onSubmit={submit} noValidate className="form-grid two-columns">
        {error && <Alert>{error}</Alert>}
        {catalogueError && <Alert kind="warning">{catalogueError}</Alert>}
        {saved && <Alert kind="success">Saved. A new PhoneMyBot token was issued.</Alert>}
        <Field
          label="Speech provider"
          hint={offered ? "Only the providers the voice agent has a key for are offered." : "The voice agent's own list is not available: a provider it has no key for falls back to its default."}
          error={fieldErrors.ttsProvider}
        >
          {({ id, describedBy }) => (
            <select
              id={id}
              value={provider}
              aria-describedby={describedBy}
              onChange={(e) => {
                setProvider(e.target.value as TtsProvider);
                setVoice("");
              }}
            >
              {providers.map((p) => (
                <option key={p} value={p}>
                  {offered?.find((o) => o.provider === p)?.label ?? PROVIDER_NAMES[p]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Voice" hint="Voices that speak the service's language." error={fieldErrors.ttsVoice}>
          {({ id, describedBy }) => (
            <select id={id} value={voice} aria-describedby={describedBy} disabled={provider === "auto"} onChange={(e) => setVoice(e.target.value)}>
              <option value="">Default for the language</option>
              {voice && !voices.some((v) => v.id === voice) && <option value={voice}>{voice}</option>}
              {voices.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Speaking rate" hint={`1 is the voice's normal rate (${SPEAKING_RATE.min}–${SPEAKING_RATE.max}).`} error={fieldErrors.speakingRate}>
          {({ id, describedBy, invalid }) => (
            <input id={id} type="number" min={SPEAKING_RATE.min} max={SPEAKING_RATE.max} step={0.05} value={rate} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setRate(e.target.value)} />
          )}
        </Field>
        <Field
          label="End-of-turn threshold"
          hint={`English calls with Deepgram Flux: how sure it must be that the caller has finished (${END_OF_TURN_THRESHOLD.min} answers soonest, ${END_OF_TURN_THRESHOLD.max} waits for a surer end; default 0.7).`}
          error={fieldErrors.endOfTurnThreshold}
        >
          {({ id, describedBy, invalid }) => (
            <input id={id} type="number" min={END_OF_TURN_THRESHOLD.min} max={END_OF_TURN_THRESHOLD.max} step={0.05} value={threshold} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setThreshold(e.target.value)} />
          )}
        </Field>
        <Field
          label="Eager end of turn"
          hint={`English calls with Deepgram Flux: the caller's words go to your bot as soon as Flux is this sure (${EAGER_END_OF_TURN_THRESHOLD.min}–${EAGER_END_OF_TURN_THRESHOLD.max}, at most the end-of-turn threshold), and its reply plays once the turn has ended. If the caller goes on, your bot gets hints.event "turn_resumed" and the longer words as the next turn. Empty: off.`}
          error={fieldErrors.eagerEndOfTurn}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="number"
              min={EAGER_END_OF_TURN_THRESHOLD.min}
              max={EAGER_END_OF_TURN_THRESHOLD.max}
              step={0.05}
              placeholder="off"
              value={eager}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => setEager(e.target.value)}
            />
          )}
        </Field>
        {sampleError && <Alert>{sampleError}</Alert>}
        {sample && (
          <div className="field">
            <p className="hint">Sample: {sample.label}</p>
            <audio data-testid="voice-sample" controls autoPlay src={sample.url} aria-label={`Sample of ${sample.label}`} />
          </div>
        )}
        <div className="form-actions">
          <Button variant="secondary" onClick={() => void playSample()} busy={sampleBusy} busyLabel="Synthesizing…" disabled={!agentUrl || !effective}>
            Play a sample
          </Button>
          <Button type="submit" busy={busy} busyLabel="Saving…" disabled={changed.length === 0}>
            Save voice
          </Button>
        </div>
      </form>
    </Card>
  );
}

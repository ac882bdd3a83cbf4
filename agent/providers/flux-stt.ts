import { DeepgramSTT, type DeepgramSTTOptions } from "./deepgram-stt.ts";
import type { ListenState } from "./deepgram-messages.ts";
import type { UtteranceHint } from "../../protocol/speech-contexts.ts";
import { type FluxTurnSignal, interpretFluxMessage } from "./flux-messages.ts";

export interface FluxSTTOptions extends Omit<DeepgramSTTOptions, "model" | "endpointingMs"> {
  /** Default flux-general-en. */
  model?: string;
  /** Flux's end-of-turn confidence threshold (0.5–0.9 here): lower ends turns sooner, higher waits for surer ends. */
  eotThreshold: number;
  /** Silence after which Flux ends a turn whatever its confidence (ms, default Flux's own 5000). */
  eotTimeoutMs?: number;
  /**
   * Flux's `eager_eot_threshold` (0.3–0.9): `EagerEndOfTurn` / `TurnResumed` are sent, and reported to
   * `turnSignals`. Flux wants it no higher than `eotThreshold`: a higher one is lowered to it.
   */
  eagerEotThreshold?: number;
}

/**
 * Deepgram Flux (`/v2/listen`): recognition with a turn model of its own, so the turn ends when Flux is confident the
 * caller has finished (`EndOfTurn`), not after a fixed silence. English only. Same connection handling as nova
 * (DeepgramSTT: reconnection, unfinalized audio sent again); only the URL, the messages and the controls differ.
 */
export class FluxSTT extends DeepgramSTT {
  override label = "phonemybot.FluxSTT";
  override readonly controls = { flush: "ForceEndTurn" };
  /** Told of each `EagerEndOfTurn` and `TurnResumed`, as they arrive (before the framework sees the turn's end). */
  readonly turnSignals = new Set<(signal: FluxTurnSignal) => void>();

  constructor(readonly fluxOptions: FluxSTTOptions) {
    super({ ...fluxOptions, model: fluxOptions.model ?? "flux-general-en", endpointingMs: 0 });
  }

  override listenUrl(): URL {
    const url = new URL("/v2/listen", this.options.baseUrl ?? "wss://api.deepgram.com");
    url.searchParams.set("model", this.options.model);
    url.searchParams.set("encoding", "linear16");
    url.searchParams.set("sample_rate", String(this.sampleRate));
    url.searchParams.set("eot_threshold", String(this.fluxOptions.eotThreshold));
    if (this.fluxOptions.eotTimeoutMs) url.searchParams.set("eot_timeout_ms", String(this.fluxOptions.eotTimeoutMs));
    for (const term of this.keyterms) url.searchParams.append("keyterm", term);
    const { eagerEotThreshold, eotThreshold } = this.fluxOptions;
    if (eagerEotThreshold !== undefined) url.searchParams.set("eager_eot_threshold", String(Math.min(eagerEotThreshold, eotThreshold)));
    return url;
  }

  /** Flux takes `keyterm` and a mid-stream `Configure` of its key terms (Deepgram, "Flux: Configure"). */
  override get takesKeyterms(): boolean {
    return true;
  }

  /** Key terms only: Flux's `Configure` has no formatting features (see configureMessage). */
  override hintNextUtterance(hint: Pick<UtteranceHint, "keyterms" | "contextKeyterms" | "numerals">): boolean {
    return hint.keyterms.length + hint.contextKeyterms.length > 0 && super.hintNextUtterance({ ...hint, numerals: false });
  }

  /**
   * Flux's `Configure` carries `keyterms` (and thresholds, language hints), no formatting features: a context's
   * numerals are not applied on Flux, its key terms are.
   */
  override configureMessage(): Record<string, unknown> {
    return { type: "Configure", keyterms: this.keyterms };
  }

  override interpret(raw: string, state: ListenState, timeOffset: number) {
    const interpreted = interpretFluxMessage(raw, state, this.options.language, timeOffset);
    const signal = interpreted.turnSignal;
    if (signal) for (const listener of this.turnSignals) listener(signal);
    return interpreted;
  }
}

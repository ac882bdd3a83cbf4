import { DeepgramSTT, type DeepgramSTTOptions } from "./deepgram-stt.ts";
import type { ListenState } from "./deepgram-messages.ts";
import { interpretFluxMessage } from "./flux-messages.ts";
import type { UtteranceHint } from "../../protocol/speech-contexts.ts";

export interface FluxSTTOptions extends Omit<DeepgramSTTOptions, "model" | "endpointingMs"> {
  /** Default flux-general-en. */
  model?: string;
  /** Flux's end-of-turn confidence threshold (0.5–0.9 here): lower ends turns sooner, higher waits for surer ends. */
  eotThreshold: number;
  /** Silence after which Flux ends a turn whatever its confidence (ms, default Flux's own 5000). */
  eotTimeoutMs?: number;
}

/**
 * Deepgram Flux (`/v2/listen`): recognition with a turn model of its own, so the turn ends when Flux is confident the
 * caller has finished (`EndOfTurn`), not after a fixed silence. English only. Same connection handling as nova
 * (DeepgramSTT: reconnection, unfinalized audio sent again); only the URL, the messages and the controls differ.
 */
export class FluxSTT extends DeepgramSTT {
  override label = "phonemybot.FluxSTT";
  override readonly controls = { flush: "ForceEndTurn" };

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
    return interpretFluxMessage(raw, state, this.options.language, timeOffset);
  }
}

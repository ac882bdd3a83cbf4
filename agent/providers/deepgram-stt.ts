import { speechReconnects } from "../metrics.ts";
import { APIConnectionError, type APIConnectOptions, APIStatusError, log, stt } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import WebSocket from "ws";
import { type Interpreted, type ListenState, interpretDeepgramMessage } from "./deepgram-messages.ts";
import { UnfinalizedAudio } from "./unfinalized-audio.ts";
import { PcmFramer } from "../pcm-framer.ts";
import { openWebSocket } from "../websocket.ts";
import type { UtteranceHint } from "../../protocol/speech-contexts.ts";

export interface DeepgramSTTOptions {
  apiKey: string;
  /** Default wss://api.deepgram.com. */
  baseUrl?: string;
  model: string;
  /** Deepgram's language code. */
  language: string;
  /** Milliseconds of silence before `speech_final`. */
  endpointingMs: number;
  /**
   * Words and phrases to expect (the service's `speechKeyterms`): `keyterm` for Nova-3 models, `keywords` for older
   * ones, which do not know `keyterm` (Deepgram, "Keyterm Prompting" and "Keywords").
   */
  keyterms?: readonly string[];
  sampleRate?: number;
  /** Waits between reconnection attempts after a drop (ms); the call's STT fails after the last one. */
  reconnectDelaysMs?: number[];
}

const DEFAULT_RECONNECT_DELAYS_MS = [0, 250, 1000, 2000, 4000];
const KEEPALIVE_MS = 5000;
/** How long to wait for Deepgram's last results after CloseStream. */
const CLOSE_WAIT_MS = 5000;

/**
 * Deepgram streaming speech-to-text (`/v1/listen`, linear16), interim results and endpointing. Unlike the LiveKit
 * plugin, a connection that drops mid-call is reconnected at once and the audio Deepgram had not finalized is sent
 * again, so the call goes on without losing the caller's words.
 */
export class DeepgramSTT extends stt.STT {
  label = "phonemybot.DeepgramSTT";

  /**
   * The caller's next utterance only (a bot message's `hints.stt.keyterms` and speech contexts), until its final
   * transcript: key terms, and numerals on.
   */
  private utterance: { keyterms: readonly string[]; numerals: boolean } | undefined;
  /** The open connections of this recognizer's streams, to reconfigure mid-stream. */
  readonly sockets = new Set<WebSocket>();

  constructor(readonly options: DeepgramSTTOptions) {
    super({ streaming: true, interimResults: true, alignedTranscript: "word" });
  }

  /** Whether the model takes `keyterm` and a mid-stream `Configure` (Deepgram, "Configure"): Nova-3 models (and Flux). */
  get takesKeyterms(): boolean {
    return this.options.model.startsWith("nova-3");
  }

  /** The service's key terms and those for the next utterance. */
  get keyterms(): string[] {
    return [...new Set([...(this.options.keyterms ?? []), ...(this.utterance?.keyterms ?? [])])];
  }

  /**
   * Tunes the caller's next utterance: on Nova-3 the open connection is told at once with a `Configure` message (key
   * terms, `features.numerals`), and told again without them after that utterance's final transcript. Older models
   * cannot change their `keywords` or features mid-stream (Deepgram's `Configure` is Nova-3's): they keep the
   * service's. Returns whether it was applied.
   */
  hintNextUtterance(hint: Pick<UtteranceHint, "keyterms" | "contextKeyterms" | "numerals">): boolean {
    const keyterms = [...hint.keyterms, ...hint.contextKeyterms];
    if (!this.takesKeyterms || (keyterms.length === 0 && !hint.numerals)) return false;
    const numeralsBefore = this.utterance?.numerals ?? false;
    this.utterance = { keyterms, numerals: hint.numerals };
    this.configureAll(numeralsBefore !== hint.numerals);
    return true;
  }

  /** The next utterance has been transcribed: back to the service's key terms (and numerals off). */
  utteranceDone(): void {
    if (!this.utterance) return;
    const numeralsChanged = this.utterance.numerals;
    this.utterance = undefined;
    this.configureAll(numeralsChanged);
  }

  private configureAll(numeralsChanged: boolean): void {
    for (const ws of this.sockets) if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(this.configureMessage(numeralsChanged)));
  }

  /** Nova-3's `Configure`: the key terms in force (they replace the stream's), and numerals when they change. */
  configureMessage(numeralsChanged: boolean): Record<string, unknown> {
    return { type: "Configure", keyterms: this.keyterms, ...(numeralsChanged ? { features: { numerals: this.utterance?.numerals ?? false } } : {}) };
  }

  /** A connection of one of this recognizer's streams is open: it gets the next utterance's hint if one is set. */
  opened(ws: WebSocket): void {
    this.sockets.add(ws);
    if (this.utterance && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(this.configureMessage(this.utterance.numerals)));
  }

  override get model(): string {
    return this.options.model;
  }

  override get provider(): string {
    return "deepgram";
  }

  get sampleRate(): number {
    return this.options.sampleRate ?? 16_000;
  }

  listenUrl(): URL {
    const url = new URL("/v1/listen", this.options.baseUrl ?? "wss://api.deepgram.com");
    const params: Record<string, string> = {
      model: this.options.model,
      language: this.options.language,
      encoding: "linear16",
      sample_rate: String(this.sampleRate),
      channels: "1",
      interim_results: "true",
      endpointing: String(this.options.endpointingMs),
      vad_events: "true",
      punctuate: "true",
      smart_format: "true",
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const keytermParam = this.takesKeyterms ? "keyterm" : "keywords";
    for (const term of this.keyterms) url.searchParams.append(keytermParam, term);
    return url;
  }

  /** One text message from the server as speech events (nova's `/v1/listen` here; Flux overrides it). */
  interpret(raw: string, state: ListenState, timeOffset: number): Interpreted & { error?: string } {
    return interpretDeepgramMessage(raw, state, this.options.language, timeOffset);
  }

  /** Control messages: a keep-alive every few seconds, and "finalize what you have heard now" (on the stream's flush). */
  readonly controls: { keepAlive?: string; flush: string } = { keepAlive: "KeepAlive", flush: "Finalize" };

  protected async _recognize(): Promise<stt.SpeechEvent> {
    throw new Error("DeepgramSTT is streaming only: use stream()");
  }

  stream(options?: { connOptions?: APIConnectOptions }): stt.SpeechStream {
    return new DeepgramSpeechStream(this, options?.connOptions);
  }
}

type Outcome = "ended" | "dropped";

class DeepgramSpeechStream extends stt.SpeechStream {
  label = "phonemybot.DeepgramSpeechStream";
  readonly #logger = log().child({ stt: "deepgram" });
  private readonly unfinalized = new UnfinalizedAudio();
  private readonly listenState: ListenState = { speaking: false };
  /** The caller's audio in 40 ms chunks, one WebSocket message each (the local transport's frames: local-server.ts). */
  private readonly bytes: PcmFramer;
  /** An input read that was waiting when a connection dropped: its frame belongs to the next connection. */
  private pendingRead: Promise<IteratorResult<AudioFrame | typeof stt.SpeechStream.FLUSH_SENTINEL>> | undefined;

  constructor(
    private readonly owner: DeepgramSTT,
    private readonly connOptions: APIConnectOptions | undefined,
  ) {
    super(owner, owner.sampleRate, connOptions);
    this.bytes = new PcmFramer((owner.sampleRate / 25) * 2);
  }

  protected async run(): Promise<void> {
    const delays = this.owner.options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
    let failures = 0;
    const backOff = async (reason: string) => {
      if (failures >= delays.length) throw new APIConnectionError({ message: `${reason}; gave up after ${failures + 1} attempts`, options: { retryable: false } });
      await sleep(delays[failures++]!);
    };
    while (!this.abortSignal.aborted) {
      let ws: WebSocket;
      try {
        ws = await this.connect();
      } catch (error) {
        if (error instanceof APIStatusError && !error.retryable) throw error;
        await backOff(error instanceof Error ? error.message : String(error));
        continue;
      }
      const openedAt = Date.now();
      if ((await this.listen(ws)) === "ended") return;
      this.#logger.warn({ unfinalizedSeconds: this.unfinalized.seconds }, "Deepgram connection dropped mid-stream, reconnecting");
      speechReconnects.inc({ provider: "deepgram" });
      // A connection that lasted counts as a success; one dropped at once counts as a failed attempt.
      if (Date.now() - openedAt > 2000) failures = 0;
      await backOff("Deepgram connection dropped");
    }
  }

  private connect(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = openWebSocket(this.owner.listenUrl(), {
        headers: { Authorization: `Token ${this.owner.options.apiKey}` },
        handshakeTimeout: this.connOptions?.timeoutMs ?? 10_000,
      });
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_request, response) => {
        const requestId = response.headers["dg-request-id"];
        reject(
          new APIStatusError({
            message: `Deepgram refused the connection (HTTP ${response.statusCode})`,
            options: { statusCode: response.statusCode ?? -1, requestId: typeof requestId === "string" ? requestId : null },
          }),
        );
        ws.terminate();
      });
      ws.on("error", (error) => reject(new APIConnectionError({ message: `Deepgram connection failed: ${error.message}` })));
    });
  }

  /** One connection: sends audio until the input ends (→ "ended") or the socket drops (→ "dropped"). */
  private async listen(ws: WebSocket): Promise<Outcome> {
    const offset = this.unfinalized.startsAt;
    // A read waits for the next frame or the close, whichever comes first. Racing each read against one `closed`
    // promise would leave a reaction on it per frame, keeping every frame sent alive until the socket closes.
    let isClosed = false;
    let wakeOnClose: ((value: "closed") => void) | undefined;
    const closed = new Promise<"closed">((resolve) =>
      ws.once("close", () => {
        isClosed = true;
        resolve("closed");
        wakeOnClose?.("closed");
      }),
    );
    this.owner.opened(ws);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const { events, finalizedUntil, error } = this.owner.interpret(data.toString(), this.listenState, this.startTimeOffset + offset);
      if (error) this.#logger.warn({ error }, "Deepgram reported an error");
      for (const event of events) {
        this.emit(event);
        if (event.type === stt.SpeechEventType.FINAL_TRANSCRIPT && event.alternatives?.[0]?.text) this.owner.utteranceDone();
      }
      if (finalizedUntil !== undefined) this.unfinalized.finalizedUntil(offset + finalizedUntil);
    });
    const { keepAlive: keepAliveType, flush } = this.owner.controls;
    const keepAlive = keepAliveType ? setInterval(() => ws.send(JSON.stringify({ type: keepAliveType })), KEEPALIVE_MS) : undefined;
    const bytesPerSecond = this.owner.sampleRate * 2;
    const send = (bytes: Uint8Array) => {
      this.unfinalized.append(bytes, bytes.byteLength / bytesPerSecond);
      ws.send(bytes);
    };
    try {
      for (const bytes of this.unfinalized.replay()) ws.send(bytes);
      for (;;) {
        const read = (this.pendingRead ??= this.input.next());
        const next = await new Promise<Awaited<typeof read> | "closed">((resolve, reject) => {
          if (isClosed) return resolve("closed");
          wakeOnClose = resolve;
          read.then(resolve, reject);
        });
        wakeOnClose = undefined;
        if (next === "closed") return "dropped";
        this.pendingRead = undefined;
        if (next.done) break;
        if (next.value === DeepgramSpeechStream.FLUSH_SENTINEL) {
          for (const frame of this.bytes.flush()) send(frame);
          ws.send(JSON.stringify({ type: flush }));
        } else {
          const { data } = next.value;
          for (const chunk of this.bytes.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))) send(chunk);
        }
      }
      for (const frame of this.bytes.flush()) send(frame);
      ws.send(JSON.stringify({ type: "CloseStream" }));
      if (!this.abortSignal.aborted) await Promise.race([closed, sleep(CLOSE_WAIT_MS)]);
      return "ended";
    } finally {
      clearInterval(keepAlive);
      this.owner.sockets.delete(ws);
      ws.removeAllListeners("message");
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    }
  }

  private emit(event: stt.SpeechEvent): void {
    if (this.queue.closed) return;
    try {
      this.queue.put(event);
    } catch {
      /* the stream was closed meanwhile */
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

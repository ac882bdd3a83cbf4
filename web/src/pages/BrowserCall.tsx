import { useEffect, useRef, useState } from "react";
import type { Service } from "../../../protocol/management.ts";
import { type BrowserCall, type CallEvent, type LocalCallMessage, localEndReasonText } from "../../../protocol/voice.ts";
import type { Room } from "livekit-client";
import { transferText } from "./service/TransferBadge.tsx";
import { api, errorText } from "../api.ts";
import { Alert, Badge, Button, Card } from "../components/ui.tsx";
import callAudioWorklet from "../lib/call-audio.worklet.ts?worker&url";
import { languageName } from "./Services.tsx";

/**
 * "Call from browser": the local transport (agent/local-server.ts, docs/voice.md "Local transport"). The gateway
 * gives a ticket for one call; the page opens the agent's WebSocket `/calls?ticket=…`, sends the microphone as PCM16
 * LE mono 16 kHz, plays the agent's PCM16 LE mono 24 kHz (both converted in an AudioWorklet,
 * lib/call-audio.worklet.ts), shows the call's events as a live transcript, and sends keypad presses as DTMF.
 * With LiveKit configured the gateway answers a room and token instead: the page joins that room with livekit-client
 * (loaded only then), publishing the microphone and playing the agent's audio. That path needs a LiveKit server, so
 * it is typechecked but not exercised by the tests here.
 */

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"] as const;
const KEY_NAMES: Record<string, string> = { "*": "star", "#": "pound" };

type Line = { id: number; who: "caller" | "bot" | "system"; text: string };
type Phase = "idle" | "starting" | "connected" | "ended";

function micProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "The browser did not allow the microphone. Allow microphone access for this site and try again.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone was found. Connect one and try again.";
  if (name === "NotReadableError") return "The microphone is in use by another application. Close it and try again.";
  if (!navigator.mediaDevices?.getUserMedia) return "This browser cannot use the microphone here (a secure https:// page is needed).";
  return `The microphone could not be started: ${error instanceof Error ? error.message : String(error)}`;
}

/** The agent's WebSocket address for the call `ticket` grants, from the agent's http(s) URL. */
function callSocketUrl(agentUrl: string, ticket: string): string {
  const url = new URL("/calls", agentUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", ticket);
  return url.toString();
}

export function BrowserCallTab(props: { service: Service }) {
  const serviceId = props.service.id;
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<string | null>(null);
  const [liveKit, setLiveKit] = useState<Extract<BrowserCall, { mode: "livekit" }> | null>(null);
  const [muted, setMuted] = useState(false);
  const [lines, setLines] = useState<Line[]>([]);
  const [hearing, setHearing] = useState("");
  const [info, setInfo] = useState<Extract<CallEvent, { type: "started" }> | null>(null);
  const [endReason, setEndReason] = useState<string | null>(null);
  const [botSpeaking, setBotSpeaking] = useState(false);
  /** A call the bot started, ringing, that this page answers with the microphone (`?answer=<conversation>`). */
  const [ringing, setRinging] = useState(() => new URLSearchParams(location.search).get("answer"));

  const ws = useRef<WebSocket | null>(null);
  const audio = useRef<{ ctx: AudioContext; mic: MediaStream; capture: AudioWorkletNode; playback: AudioWorkletNode } | null>(null);
  const room = useRef<Room | null>(null);
  const audioElements = useRef<HTMLDivElement>(null);
  const mutedRef = useRef(false);
  const nextId = useRef(0);
  const logRef = useRef<HTMLOListElement>(null);

  const add = (who: Line["who"], text: string) => setLines((l) => [...l, { id: nextId.current++, who, text }]);

  const release = () => {
    const r = room.current;
    room.current = null;
    if (r) void r.disconnect();
    const a = audio.current;
    audio.current = null;
    if (a) {
      a.capture.port.onmessage = null;
      a.playback.port.onmessage = null;
      a.capture.disconnect();
      a.playback.disconnect();
      for (const t of a.mic.getTracks()) t.stop();
      void a.ctx.close().catch(() => undefined);
    }
    const socket = ws.current;
    ws.current = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "page closed");
    setBotSpeaking(false);
  };
  useEffect(() => release, []);
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [lines, hearing]);

  const onEvent = (event: LocalCallMessage) => {
    switch (event.type) {
      case "clear":
        audio.current?.playback.port.postMessage("clear");
        return;
      case "started":
        setInfo(event);
        setPhase("connected");
        add("system", "Connected");
        return;
      case "caller":
        if (event.final) {
          setHearing("");
          if (event.text.trim()) add("caller", event.text);
        } else setHearing(event.text);
        return;
      case "bot":
        add("bot", event.text);
        return;
      case "interrupted":
        add("system", `You interrupted the bot after “${event.spokenText}”`);
        return;
      case "transfer":
        add("system", transferText({ to: event.to, result: event.result }) + (event.result === "transferred" ? " (simulated)" : ""));
        return;
      case "ended":
        setEndReason(event.reason);
        return;
    }
  };

  const call = async () => {
    setError(null);
    setLiveKit(null);
    setLines([]);
    setHearing("");
    setInfo(null);
    setEndReason(null);
    setPhase("starting");
    // The AudioContext is created inside the click, so that the browser lets it play.
    const ctx = new AudioContext();
    let mic: MediaStream | null = null;
    try {
      const answer = ringing
        ? await api<BrowserCall>("POST", `/api/v1/calls/${encodeURIComponent(ringing)}/voice-answer`)
        : await api<BrowserCall>("POST", `/api/v1/services/${encodeURIComponent(serviceId)}/browser-calls`);
      setRinging(null);
      if (answer.mode === "livekit") {
        void ctx.close();
        setLiveKit(answer);
        await joinLiveKit(answer);
        return;
      }
      try {
        mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      } catch (e) {
        throw new Error(micProblem(e));
      }
      await ctx.audioWorklet.addModule(callAudioWorklet);
      const capture = new AudioWorkletNode(ctx, "call-capture", { numberOfOutputs: 0 });
      const playback = new AudioWorkletNode(ctx, "call-playback", { numberOfInputs: 0, outputChannelCount: [1] });
      const socket = new WebSocket(callSocketUrl(answer.agentUrl, answer.ticket));
      socket.binaryType = "arraybuffer";
      // 20 ms frames of PCM16 at 16 kHz from the worklet.
      capture.port.onmessage = (e: MessageEvent<ArrayBuffer>) => {
        if (socket.readyState === WebSocket.OPEN && !mutedRef.current) socket.send(e.data);
      };
      playback.port.onmessage = (e: MessageEvent<boolean>) => setBotSpeaking(e.data);
      ctx.createMediaStreamSource(mic).connect(capture);
      playback.connect(ctx.destination);
      audio.current = { ctx, mic, capture, playback };
      ws.current = socket;
      let opened = false;
      socket.onopen = () => {
        opened = true;
      };
      socket.onmessage = (m) => {
        if (typeof m.data !== "string") {
          const data = m.data as ArrayBuffer;
          return playback.port.postMessage(data, [data]);
        }
        try {
          onEvent(JSON.parse(m.data) as LocalCallMessage);
        } catch {
          // not an event: ignore
        }
      };
      socket.onclose = (e) => {
        if (ws.current !== socket) return;
        release();
        setPhase("ended");
        if (!opened) setError("Could not reach the voice agent. Is it running (npm start starts it)? Then try again.");
        // 1008: the agent refused the ticket (expired, already used, …): a new call gets a new one.
        else if (e.code === 1008) setError(`The voice agent refused the call (${e.reason || "no reason given"}). Call again.`);
        else if (e.code !== 1000 && e.code !== 1005) setError(`The call was cut off${e.reason ? `: ${e.reason}` : ""}.`);
      };
    } catch (e) {
      for (const t of mic?.getTracks() ?? []) t.stop();
      void ctx.close().catch(() => undefined);
      setError(errorText(e));
      setPhase("idle");
    }
  };

  /** LiveKit mode: join the room the agent was dispatched to, publish the microphone, play what others publish. */
  const joinLiveKit = async (answer: Extract<BrowserCall, { mode: "livekit" }>) => {
    const { Room, RoomEvent, Track } = await import("livekit-client");
    const r = new Room();
    room.current = r;
    r.on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind !== Track.Kind.Audio) return;
      const element = track.attach();
      audioElements.current?.append(element);
    });
    r.on(RoomEvent.TrackUnsubscribed, (track) => {
      for (const element of track.detach()) element.remove();
    });
    r.on(RoomEvent.TranscriptionReceived, (segments, participant) => {
      const who = participant && participant.identity === r.localParticipant.identity ? "caller" : "bot";
      for (const segment of segments) if (segment.final && segment.text.trim()) add(who, segment.text);
    });
    r.on(RoomEvent.Disconnected, () => {
      if (room.current !== r) return;
      room.current = null;
      setPhase("ended");
    });
    try {
      await r.connect(answer.url, answer.token);
    } catch (e) {
      room.current = null;
      throw new Error(`Could not join the LiveKit room: ${e instanceof Error ? e.message : String(e)}. Joining from the portal needs a reachable LiveKit server.`);
    }
    try {
      await r.localParticipant.setMicrophoneEnabled(true);
    } catch (e) {
      release();
      throw new Error(micProblem(e));
    }
    setPhase("connected");
    add("system", "Connected");
  };

  const hangUp = () => {
    const socket = ws.current;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "hangup" }));
    else {
      release();
      setPhase("ended");
    }
  };

  const toggleMute = () => {
    const next = !mutedRef.current;
    mutedRef.current = next;
    setMuted(next);
    for (const t of audio.current?.mic.getAudioTracks() ?? []) t.enabled = !next;
    void room.current?.localParticipant.setMicrophoneEnabled(!next).catch((e: unknown) => setError(micProblem(e)));
  };

  const press = (key: string) => {
    const socket = ws.current;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "dtmf", digits: key }));
    else if (room.current) {
      // RFC 4733 event codes: digits are themselves, * is 10, # is 11.
      const code = key === "*" ? 10 : key === "#" ? 11 : Number(key);
      void room.current.localParticipant.publishDtmf(code, key).catch(() => setError("The key could not be sent. Try again."));
    } else return;
    add("system", `You pressed ${key}`);
  };

  /** During a call, the digit keys, * and # on the keyboard press the keypad (unless typing in a field). */
  useEffect(() => {
    if (phase !== "connected") return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.ctrlKey || event.metaKey || event.altKey || target?.closest("input, textarea, select, [contenteditable]")) return;
      if (/^[0-9*#]$/.test(event.key)) {
        event.preventDefault();
        press(event.key);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const inCall = phase === "starting" || phase === "connected";
  const live = phase === "connected";

  return (
    <div className="stack">
      {props.service.demo && (
        <Alert kind="info">
          This service is in demo mode: the demo bot answers. Set your bot in Settings to talk to it instead.
        </Alert>
      )}
      {error && <Alert onDismiss={() => setError(null)}>{error}</Alert>}
      {ringing && phase === "idle" && (
        <Alert kind="info">Your bot is calling. Answer to take the call with your microphone: you hear its first sentence.</Alert>
      )}
      {info && !info.sttUnderstandsLanguage && (
        <Alert kind="warning">
          The voice agent recognizes speech offline with pocketsphinx, which only understands English: what you say in{" "}
          {languageName(info.language)} will not be understood. The bot's replies are still spoken. Give the agent a
          Deepgram key (<code>DEEPGRAM_API_KEY</code>) to be understood in {languageName(info.language)}.
        </Alert>
      )}
      {liveKit && (
        <Alert kind="info">
          This gateway routes calls through LiveKit: the page joins room <code className="break">{liveKit.room}</code> at{" "}
          <code className="break">{liveKit.url}</code>, which needs that LiveKit server to be reachable from your browser.
          The live transcript shows only what the agent publishes as transcriptions.
        </Alert>
      )}
      <div ref={audioElements} hidden />
      <div className="test-layout browser-call">
        <Card
          title="Call from browser"
          description="Talk to your service through your microphone and speakers, as a caller on the phone would."
        >
          <div className="chat">
            <div className="chat-status" role="status">
              {phase === "idle" && <Badge>Not in a call</Badge>}
              {phase === "starting" && (
                <span className="waiting">
                  <span className="pulse" aria-hidden="true" /> Connecting…
                </span>
              )}
              {phase === "connected" && (
                <span className="waiting">
                  <span className="pulse pulse-green" aria-hidden="true" /> In call{muted ? " (muted)" : ""}
                </span>
              )}
              {phase === "ended" && <Badge tone="neutral">Call ended{endReason ? `: ${localEndReasonText(endReason)}` : ""}</Badge>}
              {live && botSpeaking && (
                <span className="muted" aria-hidden="true">
                  Bot speaking…
                </span>
              )}
              {info && (
                <span className="muted" data-testid="browser-call-conversation" data-conversation={info.conversation}>
                  {info.testMode ? "Test mode · " : ""}
                  {info.stt} + {info.tts}
                </span>
              )}
            </div>
            <ol className="chat-log" ref={logRef} aria-label="Live transcript" aria-live="polite" tabIndex={0} data-testid="browser-call-transcript">
              {lines.length === 0 && !hearing && <li className="chat-system">{inCall ? "Waiting for the bot…" : "The transcript appears here during the call."}</li>}
              {lines.map((line) =>
                line.who === "system" ? (
                  <li key={line.id} className="chat-system">
                    {line.text}
                  </li>
                ) : (
                  <li key={line.id} className={`bubble bubble-${line.who}`}>
                    <span className="bubble-who">{line.who === "caller" ? "You" : "Bot"}</span>
                    <span className="bubble-text">{line.text}</span>
                  </li>
                ),
              )}
              {hearing && (
                <li className="bubble bubble-caller" aria-live="off">
                  <span className="bubble-who">You (hearing…)</span>
                  <span className="bubble-text">{hearing}</span>
                </li>
              )}
            </ol>
            <div className="composer-actions">
              {inCall ? (
                <>
                  <Button variant="secondary" onClick={toggleMute} disabled={!live}>
                    {muted ? "Unmute" : "Mute"}
                  </Button>
                  <Button variant="danger" onClick={hangUp}>
                    Hang up
                  </Button>
                </>
              ) : (
                <Button className="btn-test" onClick={() => void call()}>
                  {ringing ? "Answer" : phase === "ended" ? "Call again" : "Call"}
                </Button>
              )}
            </div>
          </div>
        </Card>
        <Card title="Keypad" description="Keys are sent to the bot as DTMF tones during the call; you can also type 0–9, * and #.">
          <div className="keypad" role="group" aria-label="Keypad">
            {KEYS.map((key) => (
              <Button key={key} variant="secondary" disabled={!live} onClick={() => press(key)} aria-label={`Key ${KEY_NAMES[key] ?? key}`}>
                {key}
              </Button>
            ))}
          </div>
        </Card>
      </div>
    </div>
  );
}

import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { ChatToGateway, GatewayToChat } from "../../../protocol/bridge.ts";
import { END_REASON_TEXT } from "../../../protocol/end-reasons.ts";
import { telephonyEventText } from "./service/TransferBadge.tsx";
import type { Call, CallMessage, EndReason, PinResult, Service, TestSession } from "../../../protocol/management.ts";
import { api, errorText, sendOnLeave } from "../api.ts";
import { Alert, Badge, Button, Card, Field } from "../components/ui.tsx";
import { formatInternational } from "../lib/phone.ts";
import { IncomingCalls } from "./service/IncomingCalls.tsx";


/** Messages carry no id; a message is re-announced when its delivery changes, so this identifies it. */
const messageKey = (m: CallMessage) => `${m.direction}|${m.at}|${m.last}|${m.body}|${m.dtmf ?? ""}`;

export function mergeMessage(list: CallMessage[], message: CallMessage): CallMessage[] {
  const key = messageKey(message);
  const index = list.findIndex((m) => messageKey(m) === key);
  if (index === -1) return [...list, message];
  const next = list.slice();
  next[index] = message;
  return next;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function TestChatTab(props: { service: Service }) {
  return (
    <div className="stack">
      {!props.service.demo && (
        <Alert kind="warning">
          This service sends calls to your bot at <code className="break">{props.service.botUrl}</code>. The Test chat plays the
          bot only for services in demo mode: use “Reset demo mode” in Settings to try it.
        </Alert>
      )}
      <div className="test-layout">
        <ChatWindow service={props.service} />
        <SimulatedCaller service={props.service} />
      </div>
    </div>
  );
}

type ChatState =
  | { phase: "idle" }
  | { phase: "waiting"; session: TestSession }
  | { phase: "expired" }
  | { phase: "connected"; conversation: string };

function ChatWindow(props: { service: Service }) {
  const serviceId = props.service.id;
  const [state, setState] = useState<ChatState>({ phase: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const startTest = async () => {
    setBusy(true);
    setError(null);
    try {
      const session = await api<TestSession>("POST", `/api/v1/services/${serviceId}/test-sessions`);
      setState({ phase: "waiting", session });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  // While a PIN is out, ask the gateway once a second whether a call has keyed it in.
  const waiting = state.phase === "waiting" ? state.session : null;
  useEffect(() => {
    if (!waiting) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const now = await api<Omit<TestSession, "pin">>("GET", `/api/v1/services/${serviceId}/test-sessions/${waiting.id}`);
        if (stopped) return;
        if (now.state === "connected" && now.conversation) setState({ phase: "connected", conversation: now.conversation });
        else if (now.state === "expired") setState({ phase: "expired" });
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [waiting, serviceId]);

  return (
    <Card
      title="Test chat"
      description="You play the bot: what the caller says appears here, and what you type is spoken to the caller."
      className="chat-card"
    >
      {error && <Alert>{error}</Alert>}
      {state.phase === "idle" && (
        <div className="chat-start">
          <p>Press TEST to get a 4-digit PIN. Call the service and key in the PIN: the call is connected to this window.</p>
          <Button onClick={startTest} busy={busy} className="btn-test">
            TEST
          </Button>
        </div>
      )}
      {state.phase === "waiting" && <PinPanel session={state.session} onExpired={() => setState({ phase: "expired" })} />}
      {state.phase === "expired" && (
        <div className="chat-start">
          <Alert kind="info">The PIN expired before a call used it.</Alert>
          <Button onClick={startTest} busy={busy} className="btn-test">
            TEST again
          </Button>
        </div>
      )}
      {state.phase === "connected" && <ChatSession key={state.conversation} conversation={state.conversation} onNewTest={startTest} />}
    </Card>
  );
}

function PinPanel(props: { session: TestSession; onExpired: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(props.session.expiresAt) - now) / 1000));
  const { onExpired } = props;
  useEffect(() => {
    if (left === 0) onExpired();
  }, [left, onExpired]);
  return (
    <div className="pin-panel">
      <p className="pin-label" id="pin-label">
        Your test PIN
      </p>
      <p className="pin" aria-labelledby="pin-label" data-testid="test-pin">
        {props.session.pin.split("").map((d, i) => (
          <span key={i}>{d}</span>
        ))}
      </p>
      <p className="muted">
        Valid for one call, for another{" "}
        <strong>
          {Math.floor(left / 60)}:{String(left % 60).padStart(2, "0")}
        </strong>
        . Call the service and key it in when asked.
      </p>
      <p className="waiting" role="status">
        <span className="pulse" aria-hidden="true" /> Waiting for a call…
      </p>
    </div>
  );
}

function ChatSession(props: { conversation: string; onNewTest: () => void }) {
  const [call, setCall] = useState<Call | null>(null);
  const [messages, setMessages] = useState<CallMessage[]>([]);
  const [ended, setEnded] = useState<EndReason | null>(null);
  const [connection, setConnection] = useState<"connecting" | "open" | "closed">("connecting");
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const socket = useRef<WebSocket | null>(null);
  const logRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let stopped = false;
    let retries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}/api/v1/calls/${encodeURIComponent(props.conversation)}/chat`);
      socket.current = ws;
      setConnection("connecting");
      ws.onopen = () => {
        retries = 0;
        setConnection("open");
      };
      ws.onmessage = (event) => {
        let message: GatewayToChat;
        try {
          message = JSON.parse(String(event.data)) as GatewayToChat;
        } catch {
          return;
        }
        if (message.type === "snapshot") {
          setCall(message.call);
          setMessages(message.call.messages);
          if (message.call.state === "ended") setEnded(message.call.endReason ?? "caller_hangup");
        } else if (message.type === "message") {
          setMessages((list) => mergeMessage(list, message.message));
        } else if (message.type === "ended") {
          setEnded(message.reason);
        } else if (message.type === "error") {
          setError(message.message === "conversation not found" ? "The call has ended." : `The gateway refused that: ${message.message}.`);
        }
      };
      ws.onclose = () => {
        setConnection("closed");
        if (stopped) return;
        if (retries < 5) {
          retries += 1;
          timer = setTimeout(connect, 500 * retries);
        }
      };
    };
    connect();
    inputRef.current?.focus();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket.current?.close();
    };
  }, [props.conversation]);

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages, ended]);

  const send = (last: boolean) => {
    const body = draft.trim();
    if (!last && body === "") return;
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      setError("The chat is not connected; wait a moment and try again.");
      return;
    }
    const message: ChatToGateway = { type: "say", body, last };
    ws.send(JSON.stringify(message));
    setDraft("");
    setError(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    send(false);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send(false);
    }
  };

  return (
    <div className="chat">
      <div className="chat-status">
        {ended ? (
          <Badge tone="neutral">Call ended</Badge>
        ) : connection === "open" ? (
          <Badge tone="green">Connected</Badge>
        ) : (
          <Badge tone="amber">{connection === "connecting" ? "Connecting…" : "Disconnected"}</Badge>
        )}
        {call && (
          <span className="muted">
            Caller {call.from.startsWith("+") ? formatInternational(call.from) : call.from}
          </span>
        )}
      </div>
      <ol className="chat-log" ref={logRef} aria-label="Conversation" aria-live="polite" tabIndex={0} data-testid="chat-log">
        {messages.map((m, i) => (
          <ChatLine key={`${messageKey(m)}-${i}`} message={m} />
        ))}
        {ended && <li className="chat-system">Call ended: {END_REASON_TEXT[ended]}.</li>}
      </ol>
      {error && <Alert>{error}</Alert>}
      {!ended ? (
        <form className="composer" onSubmit={submit}>
          <label htmlFor="chat-input" className="visually-hidden">
            Your reply, as the bot
          </label>
          <textarea
            id="chat-input"
            ref={inputRef}
            rows={2}
            placeholder="Type what the bot says… (Enter to send)"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
          />
          <div className="composer-actions">
            <Button type="submit" disabled={draft.trim() === "" || connection !== "open"}>
              Send
            </Button>
            <Button variant="danger" onClick={() => send(true)} disabled={connection !== "open"} title="Sends your text (if any) as the last message, then hangs up">
              End call
            </Button>
          </div>
        </form>
      ) : (
        <div className="chat-start">
          <Button onClick={props.onNewTest} className="btn-test">
            TEST again
          </Button>
        </div>
      )}
    </div>
  );
}

function ChatLine(props: { message: CallMessage }) {
  const m = props.message;
  if (m.direction === "to_bot") {
    if (m.new) return <li className="chat-system">Call connected · {time(m.at)}</li>;
    if (m.dtmf) return <li className="chat-system">The caller pressed {m.dtmf.split("").join(" ")}</li>;
    const event = telephonyEventText(m);
    if (event) return <li className="chat-system">{event} · {time(m.at)}</li>;
    if (m.last && m.body === "") return <li className="chat-system">The caller hung up · {time(m.at)}</li>;
    return (
      <li className="bubble bubble-caller">
        <span className="bubble-who">Caller</span>
        <span className="bubble-text">{m.body}</span>
        <span className="bubble-time">{time(m.at)}</span>
      </li>
    );
  }
  return (
    <li className="bubble bubble-bot">
      <span className="bubble-who">You (bot){m.last ? " · ended the call" : ""}</span>
      {m.body && <span className="bubble-text">{m.body}</span>}
      {m.spokenText !== undefined && <span className="bubble-note">Interrupted after: “{m.spokenText}”</span>}
      <span className="bubble-time">{time(m.at)}</span>
    </li>
  );
}

/**
 * Hangs up the simulated call in progress when nobody is left to play its caller: the user goes to another page of
 * the portal (unmount), or closes or reloads the tab (pagehide).
 */
function useHangUpOnLeave(conversation: string | null) {
  const inProgress = useRef<string | null>(null);
  useEffect(() => {
    inProgress.current = conversation;
  }, [conversation]);
  useEffect(() => {
    const leave = () => {
      const call = inProgress.current;
      inProgress.current = null;
      if (call) sendOnLeave("DELETE", `/api/v1/calls/${encodeURIComponent(call)}`);
    };
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      leave();
    };
  }, []);
}

/** The caller's side until the voice agent exists: places a simulated call, keys the PIN, says things. */
function SimulatedCaller(props: { service: Service }) {
  const { service } = props;
  const [from, setFrom] = useState("+442071838750");
  const [conversation, setConversation] = useState<string | null>(null);
  const [call, setCall] = useState<Call | null>(null);
  const [pin, setPin] = useState("");
  const [pinResult, setPinResult] = useState<PinResult | null>(null);
  const [utterance, setUtterance] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const active = conversation !== null && call?.state !== "ended";
  useHangUpOnLeave(active ? conversation : null);

  useEffect(() => {
    if (!conversation) return;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await api<Call>("GET", `/api/v1/calls/${conversation}`);
        if (stopped) return;
        setCall(next);
        if (next.state === "ended") return;
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };
    let timer = setTimeout(poll, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [conversation]);

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const placeCall = (event: FormEvent) => {
    event.preventDefault();
    void run("call", async () => {
      const to = service.numbers[0];
      const placed = await api<{ conversation: string }>("POST", `/api/v1/services/${service.id}/calls`, { from: from.trim(), ...(to ? { to } : {}) });
      setCall(null);
      setPin("");
      setPinResult(null);
      setConversation(placed.conversation);
    });
  };

  const keyPin = (event: FormEvent) => {
    event.preventDefault();
    if (!/^[0-9]{4}$/.test(pin)) {
      setError("The PIN is 4 digits.");
      return;
    }
    void run("pin", async () => {
      setPinResult(await api<PinResult>("POST", `/api/v1/calls/${conversation}/pin`, { pin }));
    });
  };

  const say = (event: FormEvent) => {
    event.preventDefault();
    const text = utterance.trim();
    if (!text) return;
    void run("say", async () => {
      await api("POST", `/api/v1/calls/${conversation}/utterances`, { text });
      setUtterance("");
    });
  };

  const hangUp = () =>
    void run("hangup", async () => {
      await api("DELETE", `/api/v1/calls/${conversation}`);
      setCall(await api<Call>("GET", `/api/v1/calls/${conversation}`));
    });

  const heard = (call?.messages ?? []).filter((m) => m.direction === "from_bot" || (m.direction === "to_bot" && m.body !== ""));

  return (
    <Card title="Simulated caller" description="Until you call a real number, play the caller from here." className="caller-card">
      {error && <Alert>{error}</Alert>}
      {!active && (
        <IncomingCalls
          serviceId={service.id}
          onAnswered={(answered) => {
            setCall(null);
            setPinResult(null);
            setConversation(answered);
          }}
        />
      )}
      {!active && (
        <form onSubmit={placeCall} className="form-grid" noValidate>
          {call?.state === "ended" && (
            <Alert kind="info">The call ended: {END_REASON_TEXT[call.endReason ?? "caller_hangup"]}.</Alert>
          )}
          <Field label="Calling from" hint="The caller's number, as the bot will see it.">
            {({ id, describedBy }) => <input id={id} type="tel" value={from} onChange={(e) => setFrom(e.target.value)} aria-describedby={describedBy} />}
          </Field>
          <Button type="submit" busy={busy === "call"} busyLabel="Calling…">
            {call?.state === "ended" ? "Call again" : "Call the service"}
          </Button>
        </form>
      )}
      {active && (
        <div className="stack-tight">
          <p className="call-banner">
            <span className="pulse pulse-green" aria-hidden="true" /> On a call to <strong>{service.name}</strong>
          </p>
          {!pinResult?.ok && (
            <form onSubmit={keyPin} className="inline-form" noValidate>
              <Field label="Key in the PIN" hint={pinResult ? `Wrong PIN. ${pinResult.attemptsLeft} attempt${pinResult.attemptsLeft === 1 ? "" : "s"} left.` : "The 4 digits shown after pressing TEST."}>
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={4}
                    pattern="[0-9]{4}"
                    className="mono pin-input"
                    value={pin}
                    onChange={(e) => setPin(e.target.value.replace(/\D/g, "").slice(0, 4))}
                    aria-describedby={describedBy}
                    disabled={pinResult?.attemptsLeft === 0}
                  />
                )}
              </Field>
              <Button type="submit" busy={busy === "pin"} disabled={pinResult?.attemptsLeft === 0}>
                Key in
              </Button>
            </form>
          )}
          {pinResult?.ok && (
            <Alert kind="success">PIN accepted: this call is connected to the test chat.</Alert>
          )}
          <ol className="caller-log" aria-label="What the caller hears and says" tabIndex={0} data-testid="caller-log">
            {heard.length === 0 && <li className="muted">Nothing said yet.</li>}
            {heard.map((m, i) => (
              <li key={i} className={m.direction === "from_bot" ? "heard" : "said"}>
                <span className="who">{m.direction === "from_bot" ? "Bot:" : "You:"}</span> {m.body || (m.last ? "(hangs up)" : "")}
                {m.direction === "to_bot" && m.delivery === "failed" && <Badge tone="red">not delivered</Badge>}
              </li>
            ))}
          </ol>
          <form onSubmit={say} className="inline-form" noValidate>
            <Field label="Say something">
              {({ id }) => <input id={id} value={utterance} onChange={(e) => setUtterance(e.target.value)} placeholder="e.g. A table for two, please" />}
            </Field>
            <Button type="submit" busy={busy === "say"} disabled={utterance.trim() === ""}>
              Say
            </Button>
          </form>
          <Button variant="danger" onClick={hangUp} busy={busy === "hangup"}>
            Hang up
          </Button>
        </div>
      )}
    </Card>
  );
}

import { TurnWaterfall } from "./calls/TurnWaterfall.tsx";
import { useEffect, useState } from "react";
import type { Call, CallSummary, Service } from "../../../protocol/management.ts";
import { api, errorText } from "../api.ts";
import { Alert, Badge, Button, Card, Empty, Loading, formatDateTime, TableWrap } from "../components/ui.tsx";
import { formatInternational } from "../lib/phone.ts";
import { formatDuration } from "../lib/usage.ts";
import { END_REASON_TEXT } from "../../../protocol/end-reasons.ts";
import { TransferBadge, telephonyEventText } from "./service/TransferBadge.tsx";
import { MessageHints } from "./service/MessageHints.tsx";

const showNumber = (n: string) => (n === "" ? "—" : n.startsWith("+") ? formatInternational(n) : n);

export function durationOf(call: Pick<CallSummary, "startedAt" | "endedAt">): number | null {
  return call.endedAt === null ? null : Math.max(0, Math.round((Date.parse(call.endedAt) - Date.parse(call.startedAt)) / 1000));
}

export function CallsTab(props: { service: Service }) {
  const [calls, setCalls] = useState<CallSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = () => {
    setError(null);
    api<CallSummary[]>("GET", `/api/v1/services/${props.service.id}/calls?limit=200`)
      .then(setCalls)
      .catch((e: unknown) => setError(errorText(e)));
  };
  useEffect(load, [props.service.id]);

  return (
    <Card
      title="Calls"
      description="The most recent calls to this service, newest first. Open one to read its transcript."
      actions={
        <Button variant="secondary" small onClick={load}>
          Refresh
        </Button>
      }
    >
      {error && <Alert>{error}</Alert>}
      {!calls && !error && <Loading label="Loading calls…" />}
      {calls && calls.length === 0 && (
        <Empty title="No calls yet">
          <p>Calls appear here as soon as they are answered. Try one from the Test chat.</p>
        </Empty>
      )}
      {calls && calls.length > 0 && (
        <TableWrap label="Calls">
          <table className="table calls-table">
            <thead>
              <tr>
                <th scope="col">Direction</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Ended</th>
                <th scope="col">Delivery</th>
                <th scope="col">
                  <span className="visually-hidden">Transcript</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {calls.map((c) => {
                const seconds = durationOf(c);
                return (
                  <CallRow
                    key={c.conversation}
                    call={c}
                    seconds={seconds}
                    open={open === c.conversation}
                    onToggle={() => setOpen(open === c.conversation ? null : c.conversation)}
                  />
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Card>
  );
}

function CallRow(props: { call: CallSummary; seconds: number | null; open: boolean; onToggle: () => void }) {
  const c = props.call;
  const transcriptId = `transcript-${c.conversation}`;
  return (
    <>
      <tr data-testid="call-row">
        <td data-label="Direction" data-testid="call-direction">
          {c.direction === "outbound" ? <Badge tone="blue">Outbound (bot)</Badge> : "Inbound"}
        </td>
        <td data-label="From" className="mono">{showNumber(c.from)}</td>
        <td data-label="To" className="mono">{showNumber(c.to)}</td>
        <td data-label="Started">{formatDateTime(c.startedAt)}</td>
        <td data-label="Duration">
          {c.state === "ringing" ? <Badge tone="amber">Ringing</Badge> : props.seconds === null ? <Badge tone="blue">In progress</Badge> : formatDuration(props.seconds)}
        </td>
        <td data-label="Ended" data-testid="call-ended">
          {c.endReason ? END_REASON_TEXT[c.endReason] : "—"}
          {c.failure && <span className="muted"> (SIP {c.failure.sipStatus} {c.failure.reason})</span>}
          {c.transfer && (
            <>
              {" "}
              <TransferBadge transfer={c.transfer} />
            </>
          )}
        </td>
        <td data-label="Delivery">
          {c.failedDeliveries > 0 ? (
            <Badge tone="red">
              {c.failedDeliveries} failed deliver{c.failedDeliveries === 1 ? "y" : "ies"}
            </Badge>
          ) : (
            <Badge tone="green">OK</Badge>
          )}
        </td>
        <td className="cell-action">
          <Button variant="ghost" small onClick={props.onToggle} aria-expanded={props.open} aria-controls={transcriptId}>
            {props.open ? "Hide transcript" : "Transcript"}
          </Button>
        </td>
      </tr>
      {props.open && (
        <tr className="transcript-row">
          <td colSpan={8} id={transcriptId}>
            <Transcript conversation={c.conversation} />
          </td>
        </tr>
      )}
    </>
  );
}

function Transcript(props: { conversation: string }) {
  const [call, setCall] = useState<Call | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Call>("GET", `/api/v1/calls/${props.conversation}`)
      .then(setCall)
      .catch((e: unknown) => setError(errorText(e)));
  }, [props.conversation]);
  if (error) return <Alert>{error}</Alert>;
  if (!call) return <Loading label="Loading the transcript…" />;
  return (
    <>
      {call.failure && (
        <p data-testid="call-failure">
          <Badge tone="red">Not connected: SIP {call.failure.sipStatus} {call.failure.reason}</Badge>
        </p>
      )}
      {call.room !== null && (
        <p className="muted" data-testid="call-room">
          LiveKit room: <span className="mono">{call.room}</span>
        </p>
      )}
      {call.transfer && (
        <p data-testid="call-detail-transfer">
          <TransferBadge transfer={call.transfer} />
        </p>
      )}
      <ol className="transcript" aria-label="Transcript" data-testid="transcript">
        {call.messages.map((m, i) => {
          const who = m.direction === "to_bot" ? "Caller → bot" : "Bot → caller";
          const event = telephonyEventText(m);
          const what = m.new ? "(call started)" : m.dtmf ? `(pressed ${m.dtmf})` : event ? event : m.body === "" && m.last ? "(hung up)" : m.body;
          const failed = m.delivery === "failed";
          return (
            <li key={i} className={`${m.direction}${failed ? " failed" : ""}`}>
              <span className="t-time">{new Date(m.at).toLocaleTimeString()}</span>
              <span className="t-who">{who}</span>
              <span className="t-body">
                {what}
                {m.last && m.body !== "" && <em> (last)</em>}
                {m.spokenText !== undefined && <span className="muted"> — interrupted after “{m.spokenText}”</span>}
                {m.unknownContexts && <span className="muted"> — unknown speech context ignored: {m.unknownContexts.join(", ")}</span>}
                <MessageHints hints={m.hints} />
              </span>
              <span className="t-status">
                {failed && (
                  <Badge tone="red">
                    Not delivered{m.error ? `: ${m.error}` : ""}
                    {m.attempts ? ` (${m.attempts} attempt${m.attempts === 1 ? "" : "s"})` : ""}
                  </Badge>
                )}
                {m.delivery === "pending" && <Badge tone="amber">Pending</Badge>}
                {m.delivery === "test_chat" && <Badge tone="blue">Test chat</Badge>}
              </span>
            </li>
          );
        })}
      </ol>
      <TurnWaterfall call={call} />
    </>
  );
}

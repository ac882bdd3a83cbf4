import { useEffect, useState } from "react";
import type { Service } from "../../../../protocol/management.ts";
import type { Latency, SpanName } from "../../../../protocol/turns.ts";
import { api, errorText } from "../../api.ts";
import { Alert, Card, Loading, TableWrap } from "../../components/ui.tsx";
import { formatMs } from "../../lib/waterfall.ts";

const COLUMNS: { span: SpanName; label: string }[] = [
  { span: "gap", label: "Caller waited" },
  { span: "stt", label: "Speech recognition" },
  { span: "agent", label: "Voice agent" },
  { span: "gateway", label: "Gateway" },
  { span: "bot", label: "Your bot" },
  { span: "tts", label: "Speech synthesis" },
];

/** Monitoring: each day's p50 / p95 of the caller-perceived gap and of each span (GET /services/{id}/latency). */
export function LatencyCard(props: { service: Service; period: { from: string; to: string } }) {
  const [latency, setLatency] = useState<Latency | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { from, to } = props.period;
  useEffect(() => {
    let stopped = false;
    setError(null);
    api<Latency>("GET", `/api/v1/services/${props.service.id}/latency?from=${from}&to=${to}`)
      .then((l) => !stopped && setLatency(l))
      .catch((e: unknown) => !stopped && setError(errorText(e)));
    return () => {
      stopped = true;
    };
  }, [props.service.id, from, to]);
  return (
    <Card
      title="Latency per turn"
      description="Median (p50) and 95th percentile (p95) per day: how long callers waited between the end of their speech and the bot's voice, and where that time went."
    >
      {error && <Alert>{error}</Alert>}
      {!latency && !error && <Loading label="Loading latency…" />}
      {latency && latency.days.length === 0 && <p className="muted">No finished turns in this period.</p>}
      {latency && latency.days.length > 0 && (
        <TableWrap label="Latency per day">
          <table className="table" data-testid="latency-table">
            <caption className="sr-only">p50 / p95 per day, in milliseconds or seconds</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Turns</th>
                {COLUMNS.map((c) => (
                  <th scope="col" key={c.span}>
                    {c.label} <span className="muted">p50 / p95</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {latency.days.map((day) => (
                <tr key={day.day} data-testid="latency-day">
                  <th scope="row">{day.day}</th>
                  <td>{day.turns}</td>
                  {COLUMNS.map((c) => {
                    const p = day.spans[c.span];
                    return (
                      <td key={c.span} data-testid={`latency-${c.span}`}>
                        {p ? `${formatMs(p.p50)} / ${formatMs(p.p95)}` : "—"}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Card>
  );
}

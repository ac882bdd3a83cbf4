import { LatencyCard } from "./monitoring/LatencyCard.tsx";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import { type FormEvent, useEffect, useRef, useState } from "react";
import type { Service, ServiceLogEntry, Usage, UsageDay } from "../../../protocol/management.ts";
import { api, errorText } from "../api.ts";
import { Alert, Button, Card, Empty, Field, Loading, formatDateTime, TableWrap } from "../components/ui.tsx";
import { fillDays, formatDuration, formatMoney, lastDays, usageCsv } from "../lib/usage.ts";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const EVENT_TEXT: Record<ServiceLogEntry["type"], string> = {
  created: "Subscribed",
  reconfigured: "Configuration changed",
  token_issued: "New PhoneMyBot token issued",
  demo_reset: "Reset to demo mode",
  deleted: "Deleted",
  provisioned: "Phone numbers set up on LiveKit",
  provisioning_failed: "Phone number set-up failed",
};

const FIELD_TEXT: Record<string, string> = {
  name: "name",
  language: "language",
  numbers: "phone numbers",
  botUrl: "bot URL",
  botToken: "bot security token",
};

export function MonitoringTab(props: { service: Service }) {
  const [period, setPeriod] = useState(() => lastDays(30));
  return (
    <div className="stack">
      <UsageCard service={props.service} onPeriod={setPeriod} />
      <LatencyCard service={props.service} period={period} />
      <ChangeLog service={props.service} />
    </div>
  );
}

function UsageCard(props: { service: Service; onPeriod?: (period: { from: string; to: string }) => void }) {
  const [period, setPeriod] = useState(() => lastDays(30));
  useEffect(() => props.onPeriod?.(period), [period]);
  const [draft, setDraft] = useState(period);
  const [usage, setUsage] = useState<Usage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    setLoading(true);
    setError(null);
    api<Usage>("GET", `/api/v1/services/${props.service.id}/usage?from=${period.from}&to=${period.to}`)
      .then((u) => !stopped && setUsage(u))
      .catch((e: unknown) => !stopped && setError(errorText(e)))
      .finally(() => !stopped && setLoading(false));
    return () => {
      stopped = true;
    };
  }, [props.service.id, period]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!draft.from || !draft.to) return setError("Pick both a start and an end date.");
    if (draft.from > draft.to) return setError("The start date must not be after the end date.");
    setPeriod({ ...draft });
  };
  const quick = (days: number) => {
    const next = lastDays(days);
    setDraft(next);
    setPeriod(next);
  };

  const download = () => {
    if (!usage) return;
    const blob = new Blob([usageCsv(usage)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `phonemybot-usage-${props.service.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}-${usage.from}-to-${usage.to}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <Card
      title="Usage and cost"
      description="Calls and billed minutes per day (UTC). Each call is billed in whole minutes, rounded up."
      actions={
        <Button variant="secondary" small onClick={download} disabled={!usage}>
          Download CSV
        </Button>
      }
    >
      <form className="period" onSubmit={apply} aria-label="Period">
        <Field label="From">
          {({ id }) => <input id={id} type="date" value={draft.from} max={draft.to} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />}
        </Field>
        <Field label="To">
          {({ id }) => <input id={id} type="date" value={draft.to} min={draft.from} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />}
        </Field>
        <Button type="submit" variant="secondary">
          Show
        </Button>
        <div className="quick" role="group" aria-label="Quick periods">
          <Button variant="ghost" small onClick={() => quick(7)}>
            7 days
          </Button>
          <Button variant="ghost" small onClick={() => quick(30)}>
            30 days
          </Button>
          <Button variant="ghost" small onClick={() => quick(90)}>
            90 days
          </Button>
        </div>
      </form>
      {error && <Alert>{error}</Alert>}
      {loading && !usage && <Loading label="Loading usage…" />}
      {usage && (
        <div className={loading ? "is-refreshing" : undefined} aria-busy={loading}>
          <dl className="stats" data-testid="usage-stats">
            <div>
              <dt>Calls</dt>
              <dd data-testid="stat-calls">{usage.calls}</dd>
            </div>
            <div>
              <dt>Billed minutes</dt>
              <dd data-testid="stat-minutes">{usage.minutes}</dd>
              <dd className="stat-note">{formatDuration(usage.seconds)} talked</dd>
            </div>
            <div>
              <dt>Peak simultaneous calls</dt>
              <dd data-testid="stat-peak">{usage.peakConcurrentCalls}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd data-testid="stat-cost">{formatMoney(usage.cost.total, usage.cost.currency)}</dd>
            </div>
          </dl>
          <UsageChart days={fillDays(usage)} />
          <h3 className="subheading">Cost for {usage.from === usage.to ? usage.from : `${usage.from} to ${usage.to}`}</h3>
          {usage.cost.lines.length === 0 ? (
            <p className="muted">Nothing is charged for this period.</p>
          ) : (
            <TableWrap label="Cost lines">
              <table className="table cost-table" data-testid="cost-table">
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col" className="num">
                      Quantity
                    </th>
                    <th scope="col" className="num">
                      Unit price
                    </th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {usage.cost.lines.map((line) => (
                    <tr key={line.item}>
                      <td data-label="Item">{line.item}</td>
                      <td data-label="Quantity" className="num">
                        {line.quantity.toLocaleString()} {line.unit}
                        {line.quantity === 1 || line.unit.startsWith("1,") ? "" : "s"}
                      </td>
                      <td data-label="Unit price" className="num">
                        {formatMoney(line.unitPrice, usage.cost.currency, 4)} / {line.unit}
                      </td>
                      <td data-label="Amount" className="num">
                        {formatMoney(line.amount, usage.cost.currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={3}>
                      Total
                    </th>
                    <td className="num">
                      <strong>{formatMoney(usage.cost.total, usage.cost.currency)}</strong>
                    </td>
                  </tr>
                </tfoot>
              </table>
            </TableWrap>
          )}
        </div>
      )}
    </Card>
  );
}

function UsageChart(props: { days: UsageDay[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const { days } = props;

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 12 } } } },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12, font: { size: 11 } } },
          calls: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Calls" } },
          minutes: {
            type: "linear",
            position: "right",
            beginAtZero: true,
            ticks: { precision: 0 },
            grid: { drawOnChartArea: false },
            title: { display: true, text: "Minutes" },
          },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = days.map((d) => new Date(`${d.day}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" }));
    c.data.datasets = [
      { type: "bar", label: "Calls", data: days.map((d) => d.calls), backgroundColor: "#6366f1", borderRadius: 4, yAxisID: "calls", order: 2 },
      {
        type: "line",
        label: "Billed minutes",
        data: days.map((d) => d.minutes),
        borderColor: "#0ea5e9",
        backgroundColor: "#0ea5e9",
        pointRadius: days.length > 45 ? 0 : 3,
        cubicInterpolationMode: "monotone",
        yAxisID: "minutes",
        order: 1,
      },
    ];
    c.update();
  }, [days]);

  const total = days.reduce((sum, d) => sum + d.calls, 0);
  return (
    <figure className="chart">
      <div className="chart-box">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Chart of calls and billed minutes per day: ${total} call${total === 1 ? "" : "s"} over ${days.length} day${days.length === 1 ? "" : "s"}.`}
          data-testid="usage-chart"
        />
      </div>
      {total === 0 && <figcaption className="chart-empty">No calls in this period.</figcaption>}
    </figure>
  );
}

function ChangeLog(props: { service: Service }) {
  const [events, setEvents] = useState<ServiceLogEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<ServiceLogEntry[]>("GET", `/api/v1/services/${props.service.id}/events`)
      .then((list) => setEvents(list.slice().reverse()))
      .catch((e: unknown) => setError(errorText(e)));
  }, [props.service.id, props.service.updatedAt]);

  return (
    <Card title="Change log" description="Every change to this service, newest first. Secrets are never recorded.">
      {error && <Alert>{error}</Alert>}
      {!events && !error && <Loading label="Loading the change log…" />}
      {events && events.length === 0 && <Empty title="No changes recorded." />}
      {events && events.length > 0 && (
        <TableWrap label="Change log">
          <table className="table" data-testid="change-log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Fields</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e, i) => (
                <tr key={i}>
                  <td data-label="When">{formatDateTime(e.at)}</td>
                  <td data-label="What">{EVENT_TEXT[e.type]}</td>
                  <td data-label="Fields">
                    {"fields" in e && e.fields && e.fields.length > 0
                      ? e.fields.map((f) => FIELD_TEXT[f] ?? f).join(", ")
                      : "error" in e && e.error
                        ? e.error
                        : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Card>
  );
}

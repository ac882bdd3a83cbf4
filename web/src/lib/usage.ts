import type { Usage, UsageDay } from "../../../protocol/management.ts";

const DAY_MS = 86_400_000;

/** Every UTC day from `from` to `to` inclusive, as YYYY-MM-DD. */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** The usage of every day of the period, days without calls included as zeros (the API leaves them out). */
export function fillDays(usage: Pick<Usage, "from" | "to" | "days">): UsageDay[] {
  const byDay = new Map(usage.days.map((d) => [d.day, d]));
  return dayRange(usage.from, usage.to).map(
    (day) =>
      byDay.get(day) ?? { day, calls: 0, seconds: 0, minutes: 0, sttSeconds: 0, ttsCharacters: 0, peakConcurrentCalls: 0 },
  );
}

const TOTAL_COLUMNS = ["calls", "minutes", "seconds", "peakConcurrentCalls", "sttSeconds", "ttsCharacters"] as const;
const CSV_COLUMNS = ["day", ...TOTAL_COLUMNS] as const;

/** The period's usage as CSV: one row per day (zeros included), then a total row. */
export function usageCsv(usage: Usage): string {
  const header = ["day", "calls", "billed_minutes", "seconds", "peak_simultaneous_calls", "speech_recognition_seconds", "speech_synthesis_characters"];
  const rows = fillDays(usage).map((d) => CSV_COLUMNS.map((c) => String(d[c])));
  rows.push(["total", ...TOTAL_COLUMNS.map((c) => String(usage[c]))]);
  return [header, ...rows].map((r) => r.join(",")).join("\r\n") + "\r\n";
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last `n` UTC days up to today, inclusive. */
export function lastDays(n: number, now = new Date()): { from: string; to: string } {
  return { from: isoDay(new Date(now.getTime() - (n - 1) * DAY_MS)), to: isoDay(now) };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(s).padStart(2, "0")} s`;
}

export function formatMoney(amount: number, currency: string, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat("en", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits }).format(amount);
}

import type { Answer } from "./gateway.ts";

/** What went wrong during a load run, counted by kind ("send: HTTP 503", "utterance: network error (ECONNRESET)"). */
export class ErrorTally {
  private readonly counts = new Map<string, number>();

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** "none", or each kind with its count, the most frequent first. */
  toString(): string {
    if (this.counts.size === 0) return "none";
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ×${n}`).join(", ");
  }
}

/** What a busy local server does now and then, and is worth another try: no answer, an error page, 5xx, 429. */
export const worthRetrying = (answer: Answer): boolean =>
  answer.error !== undefined || answer.status === 0 || answer.status >= 500 || answer.status === 429;

/**
 * Sends a request until it is answered with `expected`, at most `tries` times and only while the failures are worth
 * retrying; every failure is tallied under `what`. The answer and the number of tries, or undefined if it gave up.
 */
export async function insist(
  send: () => Promise<Answer>,
  expected: number,
  what: string,
  errors: ErrorTally,
  { tries = 3, backoffMs = 250 } = {},
): Promise<{ answer: Answer; tries: number } | undefined> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (answer.status === expected && answer.error === undefined) return { answer, tries: attempt };
    errors.add(`${what}: ${answer.error ?? `HTTP ${answer.status}${answer.body?.reason ? ` ${answer.body.reason}` : ""}`}`);
    if (attempt >= tries || !worthRetrying(answer)) return undefined;
    await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
  }
}

/**
 * How the messages of one conversation's direction arrived, against those the gateway accepted, in order: an
 * accepted message that never arrived is lost, each extra copy is duplicated, and each one that first arrived before
 * one accepted ahead of it is out of order.
 */
export function ledger(accepted: readonly string[], arrived: readonly string[]): { lost: number; duplicated: number; outOfOrder: number } {
  let lost = 0;
  let duplicated = 0;
  for (const text of accepted) {
    const n = arrived.filter((a) => a === text).length;
    if (n === 0) lost++;
    if (n > 1) duplicated += n - 1;
  }
  const firsts = accepted.map((text) => arrived.indexOf(text)).filter((i) => i >= 0);
  let outOfOrder = 0;
  for (let k = 1; k < firsts.length; k++) if (firsts[k]! < firsts[k - 1]!) outOfOrder++;
  return { lost, duplicated, outOfOrder };
}

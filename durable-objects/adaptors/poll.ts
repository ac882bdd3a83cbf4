import { parseTimeout } from "../delivery-policy.ts";
import { wait } from "./http.ts";
import type { AdaptorEnv } from "./types.ts";

/** What one read of a platform that answers later brought: whether the bot sent anything, and whether it ended the conversation. */
export interface ReadOutcome {
  heard: boolean;
  ended: boolean;
}

/** The first wait between reads; each wait doubles, up to PLATFORM_POLL_INTERVAL_MS. */
const FIRST_WAIT_MS = 50;

/**
 * The waits between reads after a turn was posted (pure): 50 ms, doubling up to `interval`, so a bot that answers
 * quickly is heard quickly and a slow one is not read too often.
 */
export function nextWait(previous: number | undefined, interval: number): number {
  return Math.min(interval, previous === undefined ? FIRST_WAIT_MS : previous * 2);
}

/**
 * Reads a platform's replies to a turn until the bot has sent something and a read brings nothing new, or the bot
 * ended the conversation, or PLATFORM_REPLY_WAIT_MS (default 5 s) passed. Waits grow to PLATFORM_POLL_INTERVAL_MS
 * (default 250 ms). `read` does one read and takes what it brought.
 */
export async function readUntilQuiet(env: AdaptorEnv, read: () => Promise<ReadOutcome>): Promise<void> {
  const interval = parseTimeout(env.PLATFORM_POLL_INTERVAL_MS, 250);
  const deadline = Date.now() + parseTimeout(env.PLATFORM_REPLY_WAIT_MS, 5_000);
  let heard = false;
  let pause: number | undefined;
  for (;;) {
    const outcome = await read();
    if (outcome.ended || (heard && !outcome.heard)) return;
    heard ||= outcome.heard;
    pause = nextWait(pause, interval);
    if (Date.now() + pause > deadline) return;
    await wait(pause);
  }
}

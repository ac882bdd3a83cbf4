import { type CallRecord, type PhoneMyBotClient, expectData } from "../client/index.ts";
import { type CallProgress, callProgress } from "./call-progress.ts";

const POLL_MS = 250;

/**
 * Watches one call by reading its record (`GET /api/v1/calls/{conversation}`) every 250 ms, and reports what
 * changed (call-progress.ts). Polling rather than the test chat's socket: the record numbers the messages by their
 * place, so a delivery that changes state is told apart from a new message.
 */
export class CallWatcher {
  latest: CallRecord | undefined;
  private stopped = false;
  private waiters = new Set<() => void>();
  private loop: Promise<void> | undefined;
  private failure: unknown;
  private reading: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: PhoneMyBotClient,
    readonly conversation: string,
    private readonly onProgress: (progress: CallProgress) => void,
  ) {}

  start() {
    this.loop ??= (async () => {
      while (!this.stopped) {
        try {
          await this.refresh();
        } catch (error) {
          this.failure = error;
          this.notify();
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
  }

  /** Reads the record now and reports what changed since the last read (one read at a time, so nothing is told twice). */
  refresh(): Promise<CallRecord> {
    const read = this.reading.then(() => this.read());
    this.reading = read.catch(() => undefined);
    return read;
  }

  private async read(): Promise<CallRecord> {
    const call = expectData(
      await this.api.GET("/api/v1/calls/{conversation}", { params: { path: { conversation: this.conversation } } }),
      "reading the call",
    );
    const before = this.latest;
    this.latest = call;
    for (const progress of callProgress(before, call)) this.onProgress(progress);
    this.notify();
    return call;
  }

  /** Resolves true as soon as `check` holds for the latest record, false after `timeoutMs`; rejects if reading failed. */
  until(check: (call: CallRecord) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (this.failure) return finish(() => reject(this.failure));
        if (this.latest && check(this.latest)) finish(() => resolve(true));
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(test);
        settle();
      };
      const timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
      this.waiters.add(test);
      test();
    });
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }

  private notify() {
    for (const waiter of [...this.waiters]) waiter();
  }
}

import { ReadableStream } from "node:stream/web";
import { readStream } from "@livekit/agents";
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../agent/helpers.ts";

/** A stream of `count` chunks of 1280 bytes (a 40 ms frame), each tracked by a WeakRef; then it stays open. */
function chunks(count: number) {
  const made: WeakRef<object>[] = [];
  const stream = new ReadableStream<{ data: Uint8Array }>({
    pull(controller) {
      if (made.length >= count) return new Promise(() => undefined); // open, with no more chunks
      const chunk = { data: new Uint8Array(1280) };
      made.push(new WeakRef(chunk));
      controller.enqueue(chunk);
    },
  });
  const alive = async () => {
    await collectGarbage();
    return made.filter((ref) => ref.deref() !== undefined).length;
  };
  return { stream, alive };
}

/**
 * The framework's `readStream` (patches/@livekit+agents: it reads the caller's audio on its way to the recognizer,
 * for as long as the call lasts, with the call's abort signal).
 */
describe("the framework's readStream with an abort signal", () => {
  it("lets go of each chunk once it has been read, while the signal is still alive", async () => {
    const { stream, alive } = chunks(200);
    const signal = new AbortController().signal;
    const reader = readStream(stream, signal);
    for (let i = 0; i < 200; i++) expect((await reader.next()).done).toBe(false);
    // Before the patch, each read raced against the signal's one abort promise: all 200 stayed alive.
    expect(await alive()).toBeLessThanOrEqual(1);
  });

  it("ends when the signal aborts during a pending read, and lets go of the stream", async () => {
    const { stream } = chunks(2);
    const controller = new AbortController();
    const read: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of readStream(stream, controller.signal)) read.push(chunk);
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).toHaveLength(2);
    controller.abort();
    await reading;
    expect(stream.locked).toBe(false);
  });

  it("stops at an abort between reads, even with chunks waiting", async () => {
    const { stream } = chunks(5);
    const controller = new AbortController();
    const read: unknown[] = [];
    for await (const chunk of readStream(stream, controller.signal)) {
      read.push(chunk);
      if (read.length === 2) controller.abort();
    }
    expect(read).toHaveLength(2);
    expect(stream.locked).toBe(false);
  });

  it("reads to the end of a stream that closes, and passes on its error", async () => {
    const closing = new ReadableStream<number>({
      start(controller) {
        [1, 2, 3].forEach((n) => controller.enqueue(n));
        controller.close();
      },
    });
    const read: number[] = [];
    for await (const n of readStream(closing, new AbortController().signal)) read.push(n);
    expect(read).toEqual([1, 2, 3]);

    const failing = new ReadableStream<number>({ pull: () => Promise.reject(new Error("source failed")) });
    await expect((async () => {
      for await (const _n of readStream(failing, new AbortController().signal));
    })()).rejects.toThrow("source failed");
  });
});

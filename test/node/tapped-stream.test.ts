import { ReadableStream } from "node:stream/web";
import { expect, it } from "vitest";
import { tapped } from "../../agent/tapped-stream.ts";

it("passes every chunk through in order, telling the tap of each as it is read", async () => {
  const seen: number[] = [];
  const out: number[] = [];
  for await (const n of tapped(ReadableStream.from([1, 2, 3]), (n) => seen.push(n))) {
    out.push(n);
    expect(seen).toEqual(out);
  }
  expect(out).toEqual([1, 2, 3]);
});

it("reads the source only as the stream is read (no chunk is tapped ahead of its reader)", async () => {
  const seen: number[] = [];
  const reader = tapped(ReadableStream.from([1, 2, 3]), (n) => seen.push(n)).getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(seen).toEqual([1]);
});

it("cancelling it cancels the source, and the source's error reaches its reader", async () => {
  let cancelled: unknown;
  const source = new ReadableStream<number>({ pull: (c) => c.enqueue(1), cancel: (reason) => void (cancelled = reason) });
  await tapped(source, () => undefined).cancel("done");
  expect(cancelled).toBe("done");
  const failing = new ReadableStream<number>({ pull: (c) => c.error(new Error("socket gone")) });
  await expect(tapped(failing, () => undefined).getReader().read()).rejects.toThrow("socket gone");
});

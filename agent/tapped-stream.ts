import { ReadableStream } from "node:stream/web";

/**
 * `source` as a stream that tells `tap` of each chunk as it is read: one read of the source per chunk, where an
 * async generator between two streams costs a handful of promises per chunk (audio frames: 25 a second per call).
 * Cancelling it cancels the source.
 */
export function tapped<T>(source: ReadableStream<T> | AsyncIterable<T>, tap: (chunk: T) => void): ReadableStream<T> {
  const reader = (source instanceof ReadableStream ? source : ReadableStream.from(source)).getReader();
  return new ReadableStream<T>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        tap(value);
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

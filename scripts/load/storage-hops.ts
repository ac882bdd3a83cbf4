/**
 * A child of scripts/bench-agent-cpu.ts (row 7): `node --import tsx storage-hops.ts native|shared FRAMES` sends FRAMES
 * audio frames through a chain of web-stream hops, as the framework's pipeline does, with five AsyncLocalStorages
 * enabled (the framework's four and our call's log context): Node's own, or shared ones (agent/share-async-storage.ts,
 * installed first, as agent/index.ts does). Prints the CPU seconds the frames took. A process per side: enabling a
 * storage, and the install, last for the process's life.
 */
// No static import: the install must come before anything loads node:async_hooks.
export {};

const [mode, framesArg] = process.argv.slice(2);
if (mode === "shared") await import("../../agent/share-async-storage.ts");
const { AsyncLocalStorage } = await import("node:async_hooks");

const HOPS = 8;
const FRAME_BYTES = 1280; // 40 ms of 16 kHz 16-bit mono
const frames = Number(framesArg);

for (let i = 0; i < 5; i++) new AsyncLocalStorage<number>().enterWith(i);

async function pass(count: number): Promise<void> {
  let stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < count; i++) controller.enqueue(new Uint8Array(FRAME_BYTES));
      controller.close();
    },
  });
  for (let hop = 0; hop < HOPS; hop++) stream = stream.pipeThrough(new TransformStream());
  for await (const frame of stream) void frame;
}

await pass(2000); // warm-up
const before = process.cpuUsage();
await pass(frames);
const { user, system } = process.cpuUsage(before);
console.log((user + system) / 1e6);

// A process that takes its listening socket as the voice agent does (agent/inherited-listener.ts), then, like the
// agent warming up, serves on it only after SERVE_AFTER_MS; it prints each step for the test to follow.
import { createServer } from "node:http";
import { inheritedListener } from "../../agent/inherited-listener.ts";

try {
  const listener = await inheritedListener(Number(process.env.LISTENER_TIMEOUT_MS ?? 10_000));
  if (!listener) {
    console.log("no listener");
    process.exit(0);
  }
  console.log("received");
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.SERVE_AFTER_MS ?? 0)));
  listener.serveWith(createServer((_req, res) => res.end(`served by ${process.pid}`)));
  console.log("serving");
} catch (error) {
  console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

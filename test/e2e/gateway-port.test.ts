import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { PortTaken, listeningSocket, startGateway } from "./server.ts";

// startGateway tries another free port when wrangler finds its port taken (another test's process bound it first);
// this is how it knows: wrangler's own words, which a wrangler update could change.
it("knows a gateway that could not start because its port was taken, and does not move a port the caller chose", async () => {
  const holder = await listeningSocket();
  const { port } = holder.address() as AddressInfo;
  try {
    const failed = await startGateway({}, { port, agent: false }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(PortTaken);
    expect((failed as Error).message).toContain(`Address already in use (127.0.0.1:${port})`);
  } finally {
    holder.close();
  }
}, 60_000);

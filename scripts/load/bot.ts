import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayMessage } from "../../protocol/messaging.ts";

/**
 * A bot on loopback for load scripts: it answers "delivered" at once, keeps every message per conversation in
 * arrival order with its arrival time, and lets a script await a given message. It closes each connection after
 * answering: local workerd starts failing requests once a few hundred Durable Objects each hold a keep-alive
 * connection open to the same bot (the edge pools these; local development does not).
 */
export type LoadBot = Awaited<ReturnType<typeof startLoadBot>>;

export async function startLoadBot() {
  const log = new Map<string, { message: GatewayMessage; at: number }[]>();
  const waiters = new Map<string, ((at: number) => void)[]>();
  const keyOf = (conversation: string, body: string) => `${conversation}\n${body}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const message = JSON.parse(Buffer.concat(chunks).toString()) as GatewayMessage;
      const entries = log.get(message.conversation) ?? [];
      entries.push({ message, at });
      log.set(message.conversation, entries);
      const key = keyOf(message.conversation, message.new === "true" ? "<new>" : message.last === "true" ? "<last>" : message.body);
      for (const wake of waiters.get(key) ?? []) wake(at);
      waiters.delete(key);
      res.writeHead(200, { "content-type": "application/json", connection: "close" }).end('{"success":true,"reason":"delivered"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** What the bot received for a conversation, in order. */
    received: (conversation: string) => log.get(conversation) ?? [],
    /** When the message with this body (or `<new>`, `<last>`) arrives; at once if it already has. */
    arrival(conversation: string, body: string, timeoutMs = 60_000): Promise<number> {
      const already = (log.get(conversation) ?? []).find(
        ({ message }) => (message.new === "true" ? "<new>" : message.last === "true" ? "<last>" : message.body) === body,
      );
      if (already) return Promise.resolve(already.at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery of ${JSON.stringify(body)} in ${timeoutMs} ms`)), timeoutMs);
        const key = keyOf(conversation, body);
        waiters.set(key, [
          ...(waiters.get(key) ?? []),
          (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        ]);
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake bot received, and what it answered. */
export interface Received {
  attempt: number;
  authorization: string | null;
  idempotencyKey: string | null;
  message: Record<string, unknown>;
  answered: number | "dropped";
  at: number;
}

/**
 * A bot on loopback that records every message the gateway POSTs to it. Its behaviour comes from the query
 * string of the bot URL, so each test configures its own bot:
 *   fail=N    answer 503 to the first N requests of each conversation
 *   status=S  always answer S
 *   delay=MS  wait before answering (slow=N: only the first N requests of each conversation)
 *   garbage=1 answer 200 with a body that is not JSON
 *   refuse=1  answer 200 {"success":false,"reason":"rejected"}
 *   answer=J  answer 200 with the body J (URL-encoded), as application/json
 *   drop=N    close the connection without answering on the first N requests of each conversation
 * `GET /received/{conversation}` lists what arrived, in arrival order.
 */
export async function startFakeBot(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const received = new Map<string, Received[]>();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname.startsWith("/received/")) {
      return reply(res, 200, received.get(decodeURIComponent(url.pathname.slice("/received/".length))) ?? []);
    }
    if (req.method !== "POST" || !url.pathname.startsWith("/bot/")) return reply(res, 404, { error: "not found" });

    const message = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const conversation = String(message.conversation);
    const log = received.get(conversation) ?? [];
    received.set(conversation, log);
    const entry: Received = {
      attempt: log.length + 1,
      authorization: req.headers.authorization ?? null,
      idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
      message,
      answered: 200,
      at: Date.now(),
    };
    log.push(entry);

    const q = url.searchParams;
    const delay = entry.attempt <= Number(q.get("slow") ?? Infinity) ? Number(q.get("delay") ?? 0) : 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (entry.attempt <= Number(q.get("drop") ?? 0)) {
      entry.answered = "dropped";
      req.socket.destroy();
      return;
    }
    entry.answered = entry.attempt <= Number(q.get("fail") ?? 0) ? 503 : Number(q.get("status") ?? 200);
    if (q.get("garbage")) return res.writeHead(200, { "content-type": "text/plain" }).end("<<garbage>>");
    const answer = q.get("answer");
    if (answer !== null) return res.writeHead(200, { "content-type": "application/json" }).end(answer);
    if (q.get("refuse")) return reply(res, 200, { success: false, reason: "rejected" });
    return reply(res, entry.answered, { success: entry.answered < 300, reason: entry.answered < 300 ? "delivered" : "rejected" });
  });

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

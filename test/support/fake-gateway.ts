import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for `npm start`'s server with just what the load scripts use (sign-up, a service with a bot, calls,
 * utterances, the send API, transcripts, /healthz), to test how the scripts cope with what a busy server does:
 *   faultEvery: every Nth call, utterance, send or hang-up fails in turn: connection closed without an answer, a
 *     proxy's HTML 503 page, a 429, or the request is carried out and then the connection closed (so a retry
 *     duplicates it);
 *   lose: an utterance with this text is answered 202 and dropped, never reaching the bot.
 * It delivers to the bot like the gateway: `new` at the start, each utterance, `last` at the hang-up, in order.
 */
export async function startFakeGateway(options: { faultEvery?: number; lose?: string } = {}) {
  let botUrl = "";
  let counted = 0;
  const calls = new Map<string, { from: string; toBot: Promise<void>; transcript: { direction: string; body: string }[] }>();
  const faults = ["close", "html 503", "429", "done, then close"] as const;
  let nextFault = 0;

  const deliver = (conversation: string, message: { body: string; new?: boolean; last?: boolean }) => {
    const call = calls.get(conversation)!;
    call.transcript.push({ direction: "to_bot", body: message.body });
    call.toBot = call.toBot.then(async () => {
      await fetch(botUrl.replace("{conversation}", conversation), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ from: call.from, to: "+14155550000", conversation, opaque: "", body: message.body, new: String(!!message.new), last: String(!!message.last) }),
        // The script's bot closes when the script ends; what it did not take by then is the script's to count.
      }).catch(() => undefined);
    });
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const body = await readJson(req);
    const path = url.pathname;
    if (path === "/healthz") return reply(res, 200, { ok: true });
    if (path === "/api/v1/accounts") return reply(res, 201, { apiKey: "pmbk_fake" });
    if (req.method === "POST" && path === "/api/v1/services") return reply(res, 201, { id: "svc" });
    if (req.method === "PATCH" && path === "/api/v1/services/svc") {
      botUrl = body.botUrl;
      return reply(res, 200, { token: "fake-token" });
    }

    const fault = options.faultEvery && ++counted % options.faultEvery === 0 ? faults[nextFault++ % faults.length] : undefined;
    if (fault === "close") return void req.socket.destroy();
    if (fault === "html 503") return res.writeHead(503, { "content-type": "text/html" }).end("<h1>Service Unavailable</h1>");
    if (fault === "429") return reply(res, 429, { success: false, reason: "rejected" });
    const answer = (status: number, json?: unknown) => (fault ? req.socket.destroy() : json === undefined ? res.writeHead(status).end() : reply(res, status, json));

    let match: RegExpExecArray | null;
    if (req.method === "POST" && path === "/api/v1/services/svc/calls") {
      const conversation = crypto.randomUUID();
      calls.set(conversation, { from: body.from, toBot: Promise.resolve(), transcript: [] });
      deliver(conversation, { body: "", new: true });
      return answer(201, { conversation });
    }
    if ((match = /^\/api\/v1\/calls\/([^/]+)\/utterances$/.exec(path)) && calls.has(match[1]!)) {
      if (body.text !== options.lose) deliver(match[1]!, { body: body.text });
      return answer(202, { queued: true });
    }
    if ((match = /^\/cloudengine\/rest\/voicebot\/send\/([^/]+)$/.exec(path)) && calls.has(match[1]!)) {
      calls.get(match[1]!)!.transcript.push({ direction: "from_bot", body: body.body });
      return answer(200, { success: true, reason: "delivered" });
    }
    if ((match = /^\/api\/v1\/calls\/([^/]+)$/.exec(path)) && calls.has(match[1]!)) {
      if (req.method === "GET") return reply(res, 200, { messages: calls.get(match[1]!)!.transcript });
      deliver(match[1]!, { body: "", last: true });
      return answer(204);
    }
    return reply(res, 404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

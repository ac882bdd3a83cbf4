import { type IncomingMessage, type RequestListener, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, reply } from "../fake-bot.ts";

/** One request a fake platform received. */
export interface PlatformRequest {
  method: string;
  path: string;
  authorization: string | null;
  userKey: string | null;
  body: unknown;
  at: number;
}

/**
 * What the test asked of a fake platform, from the first path segment of the bot URL it configured (`_` for nothing):
 * `fail=N` answers 503 to the first N of that segment's requests that the fake lets fail (each fake says which; a
 * fake may count another kind of request under another name, e.g. Direct Line's `readfail=N`),
 * `status=S` always answers S.
 */
export interface Behaviour {
  segment: string;
  params: URLSearchParams;
  /** The answer the behaviour forces on this request, if any (counts it as one the fake lets fail). */
  forced(failParam?: string): number | undefined;
}

/**
 * Starts a fake platform on loopback. `handle` gets each request with its behaviour and its path after the
 * behaviour segment. Every request is recorded; `GET /_log` lists them.
 */
export async function startPlatform(
  handle: (req: IncomingMessage, res: ServerResponse, request: PlatformRequest, behaviour: Behaviour) => void | Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const log: PlatformRequest[] = [];
  const counts = new Map<string, number>();
  const listener: RequestListener = async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/_log") return reply(res, 200, log);
    const [, segment = "_", ...rest] = url.pathname.split("/");
    const text = await readBody(req);
    const isJson = (req.headers["content-type"] ?? "").includes("json");
    const request: PlatformRequest = {
      method: req.method ?? "GET",
      path: `/${rest.join("/")}${url.search}`,
      authorization: req.headers.authorization ?? null,
      userKey: (req.headers["x-user-key"] as string | undefined) ?? null,
      body: isJson && text !== "" ? (JSON.parse(text) as unknown) : text,
      at: Date.now(),
    };
    log.push(request);
    const params = new URLSearchParams(segment.replaceAll(";", "&"));
    const behaviour: Behaviour = {
      segment,
      params,
      forced: (failParam = "fail") => {
        const counter = `${segment} ${failParam}`;
        const count = (counts.get(counter) ?? 0) + 1;
        counts.set(counter, count);
        if (count <= Number(params.get(failParam) ?? 0)) return 503;
        const status = params.get("status");
        return status === null ? undefined : Number(status);
      },
    };
    await handle(req, res, request, behaviour);
  };
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { AgentToGateway, GatewayToAgent } from "../../protocol/bridge.ts";

/** A loopback stand-in for the Conversation object's agent socket, for tests of the agent alone. */
export async function startFakeGateway(secret: string) {
  const received: { conversation: string; message: AgentToGateway; at: number }[] = [];
  const sockets = new Map<string, WebSocket>();
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const match = /^\/agent\/v1\/conversations\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
    if (!match || req.headers.authorization !== `Bearer ${secret}`) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conversation = match[1]!;
      sockets.set(conversation, ws);
      ws.on("message", (data) => received.push({ conversation, message: JSON.parse(data.toString()) as AgentToGateway, at: performance.now() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    of: (type: AgentToGateway["type"]) => received.filter((r) => r.message.type === type).map((r) => r.message),
    send(conversation: string, message: GatewayToAgent) {
      sockets.get(conversation)?.send(JSON.stringify(message));
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

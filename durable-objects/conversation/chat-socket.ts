import { ChatToGatewaySchema, type GatewayToChat } from "../../protocol/bridge.ts";
import type { SendReason } from "../../protocol/messaging.ts";
import type { CallRow } from "./schema.ts";
import { send } from "./sockets.ts";

/** What the test chat's socket protocol needs of the call. */
export interface ChatSocketHost {
  call(): CallRow | undefined;
  acceptBotMessage(message: { body: string; last: boolean }): Promise<SendReason>;
}

/** One message from the portal's test chat, which plays the bot for a service in demo mode. */
export async function onChatMessage(host: ChatSocketHost, ws: WebSocket, json: unknown): Promise<void> {
  const parsed = ChatToGatewaySchema.safeParse(json);
  if (!parsed.success) return send(ws, { type: "error", message: "bad message" } satisfies GatewayToChat);
  const call = host.call();
  if (!call?.test_mode) return send(ws, { type: "error", message: "the service is not in demo mode" } satisfies GatewayToChat);
  const reason = await host.acceptBotMessage(parsed.data);
  if (reason !== "delivered") send(ws, { type: "error", message: reason } satisfies GatewayToChat);
}

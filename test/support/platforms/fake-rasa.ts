import { reply } from "../fake-bot.ts";
import { startPlatform } from "./loopback.ts";

/**
 * Rasa's REST channel on loopback: `POST /webhooks/rest/webhook {sender, message}` answers an array of
 * `{recipient_id, text}` (and `custom`) messages, as Rasa does. The bot: `/session_start` greets, "goodbye" says
 * goodbye and hangs up (custom payload), "agent" transfers, anything else is echoed. `status=S` answers S with
 * Rasa's error shape; `garbage=1` answers an object instead of the array.
 */
export function startFakeRasa() {
  return startPlatform((_req, res, request, behaviour) => {
    if (request.method !== "POST" || request.path !== "/webhooks/rest/webhook") return reply(res, 404, { version: "3.6.0", status: "failure", message: "Not found", code: 404 });
    const forced = behaviour.forced();
    if (forced !== undefined) return reply(res, forced, { version: "3.6.0", status: "failure", reason: "Error", message: `status ${forced}`, code: forced });
    if (behaviour.params.get("garbage")) return reply(res, 200, { text: "not a list" });
    const { sender, message } = request.body as { sender: string; message: string };
    const to = (text: string) => ({ recipient_id: sender, text });
    if (message === "/session_start") return reply(res, 200, [to("Welcome to the Rasa pizzeria.")]);
    if (message === "goodbye") return reply(res, 200, [to("Goodbye!"), { recipient_id: sender, custom: { hangup: true } }]);
    if (message === "agent") return reply(res, 200, [to("Putting you through."), { recipient_id: sender, custom: { transfer: "+14155550199" } }]);
    return reply(res, 200, [to(`You said: ${message}`), to("Anything else?")]);
  });
}

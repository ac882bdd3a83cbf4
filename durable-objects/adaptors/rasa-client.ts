import { callPlatform, failed, outcomeOf } from "./http.ts";
import { rasaReplies, rasaRequest, rasaWebhookUrl } from "./rasa.ts";
import type { PlatformAdaptor } from "./types.ts";

export const rasaAdaptor: PlatformAdaptor = {
  deliver: (turn, call) =>
    outcomeOf(async () => {
      const request = rasaRequest(turn);
      if (request === null) return { kind: "delivered", replies: [] };
      const answer = await callPlatform(
        "Rasa",
        rasaWebhookUrl(call.url),
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) },
        call.env,
      );
      const replies = rasaReplies(answer ?? []);
      if (!replies) throw failed("Rasa's answer is not a list of messages");
      return { kind: "delivered", replies };
    }),
};

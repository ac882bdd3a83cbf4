import { z } from "zod";
import { ServiceAccountKeySchema, type ServiceAccountKey } from "../../protocol/settings/bot-platform.ts";
import { detectIntentRequest, detectIntentUrl, dialogflowReplies } from "./dialogflow-cx.ts";
import { signAssertion, tokenRequestBody, tokenUriOf } from "./google-jwt.ts";
import { PlatformFailure, callPlatform, failed, outcomeOf } from "./http.ts";
import type { AdaptorEnv, PlatformAdaptor } from "./types.ts";

const NAME = "Dialogflow CX";
const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() }).loose();

/** Access tokens by service account, until a minute before they expire (shared by the calls this isolate runs). */
const tokens = new Map<string, { token: string; expiresAt: number }>();
const EXPIRY_MARGIN_MS = 60_000;

const cacheKeyOf = (key: ServiceAccountKey) => `${key.client_email}\n${key.private_key_id ?? ""}\n${tokenUriOf(key)}`;

async function accessToken(key: ServiceAccountKey, env: AdaptorEnv): Promise<string> {
  const cacheKey = cacheKeyOf(key);
  const cached = tokens.get(cacheKey);
  if (cached && cached.expiresAt > Date.now()) return cached.token;
  const assertion = await signAssertion(key, Math.floor(Date.now() / 1000)).catch(() => {
    throw failed(`${NAME}: the service-account key's private_key cannot sign (not an RSA PKCS #8 key)`);
  });
  const answer = TokenAnswer.safeParse(
    await callPlatform(
      `${NAME}'s token endpoint`,
      tokenUriOf(key),
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: tokenRequestBody(assertion) },
      env,
    ),
  );
  if (!answer.success) throw failed(`${NAME}'s token endpoint answered without an access_token`);
  tokens.set(cacheKey, { token: answer.data.access_token, expiresAt: Date.now() + answer.data.expires_in * 1000 - EXPIRY_MARGIN_MS });
  return answer.data.access_token;
}

export const dialogflowAdaptor: PlatformAdaptor = {
  deliver: (turn, call) =>
    outcomeOf(async () => {
      const keyJson = call.settings.dialogflowServiceAccountKey;
      if (keyJson === null) throw failed("no Dialogflow service-account key is set on the service (dialogflowServiceAccountKey)");
      const key = ServiceAccountKeySchema.parse(JSON.parse(keyJson));
      const request = detectIntentRequest(turn, call.url);
      if (request === null) return { kind: "delivered", replies: [] };
      const token = await accessToken(key, call.env);
      const answer = await callPlatform(
        NAME,
        detectIntentUrl(call.url, turn.conversation),
        { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(request) },
        call.env,
      ).catch((error: unknown) => {
        // A token refused before its time (revoked, or the key rotated): the next try gets a new one.
        if (error instanceof PlatformFailure && / HTTP 401\b/.test(error.message)) {
          tokens.delete(cacheKeyOf(key));
          throw new PlatformFailure({ kind: "retry", error: error.message });
        }
        throw error;
      });
      const replies = dialogflowReplies(answer);
      if (!replies) throw failed(`${NAME}'s answer is not a detectIntent response`);
      return { kind: "delivered", replies };
    }),
};

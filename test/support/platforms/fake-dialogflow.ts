import { generateKeyPairSync, verify } from "node:crypto";
import { reply } from "../fake-bot.ts";
import { startPlatform } from "./loopback.ts";

export const DIALOGFLOW_CLIENT_EMAIL = "phonemybot@pizza-project.iam.gserviceaccount.com";
export const AGENT_PATH = "/v3/projects/pizza-project/locations/global/agents/agent-1";

/**
 * Google's OAuth token endpoint and Dialogflow CX's detectIntent on loopback. `POST /token` takes the RS256
 * service-account assertion (grant_type jwt-bearer), checks its signature against the key pair it made, its `iss`,
 * `aud` (the endpoint itself) and expiry, and answers `{access_token, expires_in, token_type}` or Google's
 * `{error: "invalid_grant", error_description}` 400. `POST {AGENT_PATH}/sessions/{id}:detectIntent` needs a token it
 * issued (401 UNAUTHENTICATED otherwise) and answers `queryResult.responseMessages`: the welcome intent greets,
 * "goodbye" says goodbye with `endInteraction`, "agent" hands off to a live agent, DTMF is read back, anything else
 * echoed. `serviceAccountKey(tokenUri)` is a key file for it; `fail=N`/`status=S` apply to detectIntent.
 */
export function startFakeDialogflow() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const issued = new Set<string>();

  const platform = startPlatform((_req, res, request, behaviour) => {
    const { path } = request;
    if (request.method === "POST" && path === "/token") {
      const form = new URLSearchParams(String(request.body));
      const grantError = (description: string) => reply(res, 400, { error: "invalid_grant", error_description: description });
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return reply(res, 400, { error: "unsupported_grant_type" });
      const [header, claims, signature] = (form.get("assertion") ?? "").split(".");
      if (!header || !claims || !signature) return grantError("Invalid JWT");
      const valid = verify("RSA-SHA256", Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, "base64url"));
      if (!valid) return grantError("Invalid JWT Signature.");
      const body = JSON.parse(Buffer.from(claims, "base64url").toString()) as { iss: string; aud: string; exp: number; iat: number; scope: string };
      if (body.iss !== DIALOGFLOW_CLIENT_EMAIL) return grantError("Invalid email or User ID");
      if (!body.aud.endsWith(`/${behaviour.segment}/token`)) return grantError("Invalid JWT: audience");
      if (body.exp - body.iat > 3600 || body.exp * 1000 < Date.now()) return grantError("Invalid JWT: Token must be a short-lived token");
      if (!body.scope.includes("dialogflow") && !body.scope.includes("cloud-platform")) return grantError("Invalid scope");
      const token = `ya29.fake-${crypto.randomUUID()}`;
      issued.add(token);
      return reply(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
    }
    const session = new RegExp(`^${AGENT_PATH}/sessions/([^/:]+):detectIntent$`).exec(path);
    if (request.method !== "POST" || !session) return reply(res, 404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
    if (!issued.has((request.authorization ?? "").replace(/^Bearer /, ""))) {
      return reply(res, 401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    }
    const forced = behaviour.forced();
    if (forced !== undefined) return reply(res, forced, { error: { code: forced, message: `status ${forced}`, status: forced >= 500 ? "UNAVAILABLE" : "INVALID_ARGUMENT" } });
    const input = (request.body as { queryInput: { text?: { text: string }; dtmf?: { digits: string }; intent?: { intent: string }; languageCode: string } }).queryInput;
    if (!input?.languageCode) return reply(res, 400, { error: { code: 400, message: "languageCode is required", status: "INVALID_ARGUMENT" } });
    const text = (...lines: string[]) => ({ text: { text: lines } });
    let messages: unknown[];
    if (input.intent?.intent.endsWith("/intents/00000000-0000-0000-0000-000000000000")) messages = [text("Welcome to the Dialogflow pizzeria.")];
    else if (input.dtmf) messages = [text(`You pressed ${input.dtmf.digits}`)];
    else if (input.text?.text === "goodbye") messages = [text("Goodbye!"), { endInteraction: {} }];
    else if (input.text?.text === "agent") messages = [text("A person will help you."), { liveAgentHandoff: { metadata: { phoneNumber: "+14155550199" } } }];
    else messages = [text(`You said: ${input.text?.text ?? ""}`)];
    return reply(res, 200, { responseId: crypto.randomUUID(), queryResult: { languageCode: input.languageCode, responseMessages: messages } });
  });

  return platform.then((server) => ({
    ...server,
    /** A service-account key file whose token endpoint is this fake's, under the behaviour segment `segment`. */
    serviceAccountKey: (segment = "_") =>
      JSON.stringify({
        type: "service_account",
        project_id: "pizza-project",
        private_key_id: "key-1",
        private_key: privatePem,
        client_email: DIALOGFLOW_CLIENT_EMAIL,
        token_uri: `${server.url}/${segment}/token`,
      }),
  }));
}

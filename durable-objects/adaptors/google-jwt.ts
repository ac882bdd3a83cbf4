import type { ServiceAccountKey } from "../../protocol/settings/bot-platform.ts";

/** Google's OAuth 2.0 token endpoint, used when the service-account key names none (`token_uri`). */
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
export const DIALOGFLOW_SCOPE = "https://www.googleapis.com/auth/dialogflow";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const LIFETIME_S = 3600;

export const tokenUriOf = (key: ServiceAccountKey) => key.token_uri ?? GOOGLE_TOKEN_URI;

/** The claims of the service account's token request (RFC 7523): issued now, valid one hour. */
export function assertionClaims(key: ServiceAccountKey, nowS: number, scope = DIALOGFLOW_SCOPE) {
  return { iss: key.client_email, scope, aud: tokenUriOf(key), iat: nowS, exp: nowS + LIFETIME_S };
}

const base64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const base64UrlJson = (value: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(value)));

/** The PKCS #8 DER inside a PEM `PRIVATE KEY` block. */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\\n/g, "").replace(/\s+/g, "");
  const binary = atob(body);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The signed assertion: an RS256 JWT signed with the service account's private key, with WebCrypto. */
export async function signAssertion(key: ServiceAccountKey, nowS: number): Promise<string> {
  const header = { alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const input = `${base64UrlJson(header)}.${base64UrlJson(assertionClaims(key, nowS))}`;
  const cryptoKey = await crypto.subtle.importKey("pkcs8", pemToDer(key.private_key), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", cryptoKey, new TextEncoder().encode(input));
  return `${input}.${base64Url(new Uint8Array(signature))}`;
}

/** The token request's form body. */
export const tokenRequestBody = (assertion: string) => new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();

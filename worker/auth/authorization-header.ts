import type { FailureReason } from "../../protocol/messaging.ts";

export type ParsedCredential = { ok: true; credential: string } | { ok: false; reason: FailureReason };

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads `Authorization: <scheme> <token68>`; the scheme is matched case-insensitively (RFC 9110).
 * Pure: the middleware decides what a failure means.
 */
export function parseAuthorization(header: string | null | undefined, scheme: "Basic" | "Bearer"): ParsedCredential {
  if (header === undefined || header === null || header.trim() === "") {
    return { ok: false, reason: "missing authorization header" };
  }
  const match = /^([A-Za-z]+) +(\S+)\s*$/.exec(header.trim());
  if (!match || match[1]!.toLowerCase() !== scheme.toLowerCase() || !TOKEN68.test(match[2]!)) {
    return { ok: false, reason: "wrong auhorization header format" };
  }
  return { ok: true, credential: match[2]! };
}

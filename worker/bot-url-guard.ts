/**
 * Server-side request forgery guard for bot URLs: the gateway POSTs to whatever URL a customer configures, so
 * loopback, private, link-local and other non-public destinations are refused unless local development allows
 * them explicitly (ALLOW_PRIVATE_BOT_URLS=true). Scheme and credentials are checked by BotUrlSchema. Pure; the
 * WHATWG URL parser has already normalised exotic IPv4 spellings (`http://2130706433/`, `http://0x7f.1/`).
 */
export const PUBLIC_ADDRESS_REQUIRED = "the bot URL must be a public address";

/** Why a (schema-valid) bot URL may not be used, or undefined when it may. */
export function botUrlRefusal(botUrl: string, env: { ALLOW_PRIVATE_BOT_URLS?: string }): string | undefined {
  if (env.ALLOW_PRIVATE_BOT_URLS === "true") return undefined;
  return isPrivateHost(new URL(botUrl).hostname) ? PUBLIC_ADDRESS_REQUIRED : undefined;
}

const PRIVATE_NAME_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan"];

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || PRIVATE_NAME_SUFFIXES.some((suffix) => host.endsWith(suffix))) return true;
  if (host.startsWith("[")) return isPrivateIpv6(host.slice(1, -1));
  const v4 = parseIpv4(host);
  return v4 !== undefined && isPrivateIpv4(v4);
}

function parseIpv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a! >= 224
  );
}

function isPrivateIpv6(address: string): boolean {
  const a = address.toLowerCase();
  if (a === "::" || a === "::1") return true;
  // IPv4-mapped (::ffff:127.0.0.1, which the URL parser writes as ::ffff:7f00:1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return isPrivateIpv4([high >> 8, high & 255, low >> 8, low & 255]);
  }
  const first = parseInt(a.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

import ipaddr from "ipaddr.js";

/**
 * Server-side request forgery guard for bot URLs: the gateway POSTs to whatever URL a customer configures, so
 * loopback, private, link-local and other non-public destinations are refused unless local development allows
 * them explicitly (ALLOW_PRIVATE_BOT_URLS=true). Scheme and credentials are checked by BotUrlSchema. Pure.
 *
 * Addresses are classified by ipaddr.js, not by how they are written. The WHATWG URL parser has already turned
 * every IPv4 spelling (`http://2130706433/`, `http://0x7f.1/`, `http://017700000001/`) into four decimal parts and
 * every IPv6 literal into its compressed hex form. A host NAME is judged by name only; docs/security.md says what
 * that means for names that resolve to private addresses.
 */
export const PUBLIC_ADDRESS_REQUIRED = "the bot URL must be a public address";

/** Why a (schema-valid) bot URL may not be used, or undefined when it may. */
export function botUrlRefusal(botUrl: string, env: { ALLOW_PRIVATE_BOT_URLS?: string }): string | undefined {
  if (env.ALLOW_PRIVATE_BOT_URLS === "true") return undefined;
  return isPrivateHost(new URL(botUrl).hostname) ? PUBLIC_ADDRESS_REQUIRED : undefined;
}

const PRIVATE_NAME_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan"];

function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || PRIVATE_NAME_SUFFIXES.some((suffix) => host.endsWith(suffix))) return true;
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  return ipaddr.isValid(literal) && !isPublicAddress(ipaddr.parse(literal));
}

const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/**
 * Public means ipaddr.js's `unicast` range. That already refuses, whatever IPv4 address they carry, the IPv4-mapped
 * and -translated, NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32) ranges; the one
 * embedding it has no range for is the deprecated IPv4-compatible `::a.b.c.d`, judged by the IPv4 address inside.
 */
function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.range() !== "unicast") return false;
  if (address.kind() === "ipv4" || !address.match(IPV4_COMPATIBLE)) return true;
  return ipaddr.fromByteArray(address.toByteArray().slice(12)).range() === "unicast";
}

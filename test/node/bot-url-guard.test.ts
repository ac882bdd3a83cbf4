import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { BotUrlSchema } from "../../protocol/management.ts";
import { PUBLIC_ADDRESS_REQUIRED, botUrlRefusal } from "../../worker/bot-url-guard.ts";
import { NON_PUBLIC_HOSTS, PUBLIC_BOT_URLS } from "../support/bot-url-cases.ts";

const production = {};
const localDevelopment = { ALLOW_PRIVATE_BOT_URLS: "true" };
const RUNS = 2_000;

type Octets = [number, number, number, number];

const octet = fc.integer({ min: 0, max: 255 });
/** IPv4 addresses, often at or near the edges of the special ranges. */
const ipv4: fc.Arbitrary<Octets> = fc.tuple(
  fc.oneof(octet, fc.constantFrom(0, 10, 100, 127, 169, 172, 192, 198, 203, 223, 224, 239, 240, 255)),
  fc.oneof(octet, fc.constantFrom(0, 2, 15, 16, 18, 19, 20, 31, 32, 51, 52, 63, 64, 88, 127, 128, 168, 175, 254, 255)),
  fc.oneof(octet, fc.constantFrom(0, 2, 48, 99, 100, 113, 193, 196, 255)),
  octet,
);
const hextet = fc.integer({ min: 0, max: 0xffff });

const RADICES = {
  decimal: (n: number) => n.toString(10),
  hex: (n: number) => `0x${n.toString(16)}`,
  octal: (n: number) => `0${n.toString(8)}`,
};
type Radix = keyof typeof RADICES;

/** The forms the WHATWG URL parser reads as IPv4: 4, 3, 2 or 1 parts, each decimal, hex or octal. */
function spellIpv4([a, b, c, d]: Octets, parts: 1 | 2 | 3 | 4, radices: Radix[], upper: boolean, trailingDot: boolean): string {
  const numbers = {
    4: [a, b, c, d],
    3: [a, b, (c << 8) | d],
    2: [a, (b << 16) | (c << 8) | d],
    1: [a * 2 ** 24 + ((b << 16) | (c << 8) | d)],
  }[parts];
  const spelled = numbers.map((n, i) => RADICES[radices[i]!](n)).join(".") + (trailingDot ? "." : "");
  return upper ? spelled.toUpperCase() : spelled;
}

const hex = (n: number) => n.toString(16);
const dotted = (v4: Octets) => v4.join(".");
const high = ([a, b]: Octets) => (a << 8) | b;
const low = ([, , c, d]: Octets) => (c << 8) | d;

/** Every way an IPv6 address carries an IPv4 address that we know of, as its eight 16-bit groups. */
const EMBEDDINGS: Record<string, (v4: Octets, extra: [number, number, number]) => number[]> = {
  "IPv4-mapped": (v4) => [0, 0, 0, 0, 0, 0xffff, high(v4), low(v4)],
  "IPv4-translated (RFC 6145)": (v4) => [0, 0, 0, 0, 0xffff, 0, high(v4), low(v4)],
  "IPv4-compatible": (v4) => [0, 0, 0, 0, 0, 0, high(v4), low(v4)],
  "NAT64 64:ff9b::/96": (v4) => [0x64, 0xff9b, 0, 0, 0, 0, high(v4), low(v4)],
  "NAT64 local-use, /96": (v4) => [0x64, 0xff9b, 1, 0, 0, 0, high(v4), low(v4)],
  // RFC 6052 with a /48 prefix: 16 bits of the IPv4 address, the reserved u octet, the other 16 bits.
  "NAT64 local-use, /48": ([a, b, c, d], [suffix]) => [0x64, 0xff9b, 1, (a << 8) | b, c, d << 8, 0, suffix],
  "6to4": (v4, [subnet, host]) => [0x2002, high(v4), low(v4), subnet, 0, 0, 0, host],
  // Teredo: server IPv4, flags, obfuscated port, then the client IPv4 with every bit flipped.
  Teredo: (v4, [server, flags, port]) => [0x2001, 0, server, server ^ 0x5555, flags, port ^ 0xffff, high(v4) ^ 0xffff, low(v4) ^ 0xffff],
};

/** Groups joined by ":", the longest run of two or more zero groups written as "::". */
function compress(groups: string[]): string {
  let run = { start: -1, length: 1 };
  for (let start = 0; start < groups.length; start++) {
    let end = start;
    while (groups[end] === "0") end++;
    if (end - start > run.length) run = { start, length: end - start };
  }
  if (run.start < 0) return groups.join(":");
  return `${groups.slice(0, run.start).join(":")}::${groups.slice(run.start + run.length).join(":")}`;
}

/** The first six groups in hex, the last 32 bits as a dotted IPv4 address. */
const withDottedTail = (parts: number[]) => [...parts.slice(0, 6).map(hex), new ipaddr.IPv6(parts).toByteArray().slice(12).join(".")];

/** How people write an IPv6 address: compressed or not, zero-padded upper case, the last 32 bits dotted. */
const IPV6_SPELLINGS = {
  compressed: (parts: number[]) => compress(parts.map(hex)),
  uncompressed: (parts: number[]) => parts.map(hex).join(":"),
  paddedUpperCase: (parts: number[]) => parts.map((p) => hex(p).padStart(4, "0").toUpperCase()).join(":"),
  dottedTail: (parts: number[]) => compress(withDottedTail(parts)),
  dottedTailUncompressed: (parts: number[]) => withDottedTail(parts).join(":"),
};
const ipv6Spelling = fc.constantFrom(...(Object.keys(IPV6_SPELLINGS) as (keyof typeof IPV6_SPELLINGS)[]));

/**
 * The URL parser writes every IPv6 literal in RFC 5952 form. Checked on each generated address, so a wrong spelling
 * cannot make a case vacuous, and the expected verdict comes from the groups, never from ipaddr.js parsing our text
 * (ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`).
 */
function urlHostFor(parts: number[], spelling: keyof typeof IPV6_SPELLINGS): string {
  const host = `[${IPV6_SPELLINGS[spelling](parts)}]`;
  expect(new URL(`http://${host}/`).hostname, host).toBe(`[${new ipaddr.IPv6(parts).toRFC5952String()}]`);
  return host;
}

const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/** What ipaddr.js says an IPv6 address is, looking through the one IPv4 embedding its ranges do not name. */
function libraryCallsNonPublic(v6: ipaddr.IPv6): boolean {
  if (v6.range() !== "unicast") return true;
  return v6.match(IPV4_COMPATIBLE) && ipaddr.fromByteArray(v6.toByteArray().slice(12)).range() !== "unicast";
}

const refusal = (host: string) => botUrlRefusal(`http://${host}/hook/{conversation}`, production);
const expected = (nonPublic: boolean) => (nonPublic ? PUBLIC_ADDRESS_REQUIRED : undefined);

describe("bot URL guard", () => {
  it("accepts public http(s) URLs", () => {
    for (const url of PUBLIC_BOT_URLS) expect(botUrlRefusal(url, production), url).toBeUndefined();
  });

  it("refuses loopback, private, link-local, reserved and internal destinations however they are spelled", () => {
    for (const host of NON_PUBLIC_HOSTS) expect(refusal(host), host).toBe(PUBLIC_ADDRESS_REQUIRED);
  });

  it("relies on the URL parser to turn exotic IPv4 spellings into four decimal parts", () => {
    for (const host of ["2130706433", "0x7f.1", "017700000001", "0177.0.0.1", "127.1", "127.0.0.1."]) {
      expect(new URL(`http://${host}/`).hostname, host).toBe("127.0.0.1");
    }
  });

  it("refuses exactly the IPv4 addresses ipaddr.js does not call unicast, in every spelling", () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.constantFrom(1, 2, 3, 4),
        fc.array(fc.constantFrom<Radix>("decimal", "hex", "octal"), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (v4, parts, radices, upper, trailingDot) => {
          const host = spellIpv4(v4, parts, radices, upper, trailingDot);
          expect(new URL(`http://${host}/`).hostname).toBe(dotted(v4));
          expect(refusal(host)).toBe(expected(ipaddr.fromByteArray(v4).range() !== "unicast"));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuses exactly the IPv6 addresses ipaddr.js does not call unicast (or whose embedded IPv4 it does not)", () => {
    const zeroMostly = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.constant(0xffff), hextet);
    const parts = fc.tuple(
      fc.oneof(hextet, fc.constantFrom(0, 0x64, 0x100, 0x2001, 0x2002, 0x2620, 0x3fff, 0x5f00, 0xfc00, 0xfe80, 0xfec0, 0xff00)),
      fc.oneof(hextet, fc.constantFrom(0, 0x2, 0x3, 0x4, 0x10, 0x20, 0x30, 0xdb8, 0xff9b)),
      zeroMostly,
      zeroMostly,
      zeroMostly,
      zeroMostly,
      zeroMostly,
      zeroMostly,
    );
    fc.assert(
      fc.property(parts, ipv6Spelling, (groups, spelling) => {
        expect(refusal(urlHostFor(groups, spelling))).toBe(expected(libraryCallsNonPublic(new ipaddr.IPv6(groups))));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses an IPv6 address embedding any IPv4 address exactly when ipaddr.js calls either non-unicast", () => {
    const kinds = fc.constantFrom(...Object.keys(EMBEDDINGS));
    fc.assert(
      fc.property(kinds, ipv4, fc.tuple(hextet, hextet, hextet), ipv6Spelling, (kind, v4, extra, spelling) => {
        const groups = EMBEDDINGS[kind]!(v4, extra);
        const nonPublic = new ipaddr.IPv6(groups).range() !== "unicast" || ipaddr.fromByteArray(v4).range() !== "unicast";
        expect(refusal(urlHostFor(groups, spelling)), `${kind}: ${dotted(v4)}`).toBe(expected(nonPublic));
      }),
      { numRuns: RUNS },
    );
  });

  it("lets local development allow private addresses explicitly", () => {
    expect(botUrlRefusal("http://127.0.0.1:3000/bot", localDevelopment)).toBeUndefined();
    expect(botUrlRefusal("http://[::127.0.0.1]:3000/bot", localDevelopment)).toBeUndefined();
  });

  it("leaves scheme and credentials to the schema", () => {
    for (const url of ["ftp://bot.example.com/", "file:///etc/passwd", "https://user:pass@bot.example.com/", "not a url"]) {
      expect(BotUrlSchema.safeParse(url).success, url).toBe(false);
    }
  });
});

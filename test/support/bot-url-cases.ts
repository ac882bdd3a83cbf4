/**
 * Fixed bot-URL cases for the SSRF guard, shared by the Node test and the one inside workerd (where the guard runs
 * in production, with workerd's own URL parser).
 */

/** Hosts the guard must refuse; the comments say what a disguised address really is. */
export const NON_PUBLIC_HOSTS = [
  "localhost",
  "LOCALHOST.",
  "api.localhost",
  "printer.local",
  "metadata.internal",
  "nas.home.arpa",
  "router.lan",
  "127.0.0.1",
  "127.0.0.1.",
  "127.1",
  "2130706433", // 127.0.0.1 as one decimal number
  "0x7f.1", // 127.0.0.1, hex and a short form
  "0x7f.0.0.1",
  "017700000001", // 127.0.0.1 in octal
  "0177.0.0.1",
  "１２７.０.０.１", // full-width digits, mapped by IDNA
  "10.1.2.3",
  "172.16.0.1",
  "172.31.255.255",
  "192.168.1.1",
  "169.254.169.254", // cloud metadata
  "100.64.0.1", // carrier-grade NAT
  "0.0.0.0",
  "192.0.2.10", // documentation
  "198.18.0.1", // benchmarking
  "240.0.0.1",
  "255.255.255.255",
  "224.0.0.1",
  "[::1]",
  "[::]",
  "[fd00::1]",
  "[fe80::1]",
  "[fec0::1]", // deprecated site-local
  "[ff02::1]",
  "[100::1]", // discard
  "[2001:db8::1]", // documentation
  "[::127.0.0.1]", // IPv4-compatible loopback
  "[::a9fe:a9fe]", // IPv4-compatible 169.254.169.254
  "[::ffff:127.0.0.1]", // IPv4-mapped
  "[::FFFF:7F00:1]",
  "[0:0:0:0:0:ffff:127.0.0.1]",
  "[::ffff:7f00:0001]",
  "[::ffff:0:127.0.0.1]", // IPv4-translated (RFC 6145)
  "[64:ff9b::7f00:1]", // NAT64 well-known prefix, 127.0.0.1
  "[64:ff9b::169.254.169.254]",
  "[64:ff9b::8.8.8.8]", // NAT64 is refused whatever it embeds
  "[64:ff9b:1::a00:1]", // NAT64 local-use prefix (RFC 8215), 10.0.0.1
  "[2002:7f00:1::]", // 6to4 of 127.0.0.1
  "[2002:a9fe:a9fe::1]", // 6to4 of 169.254.169.254
  "[2001:0:4136:e378:8000:63bf:80ff:fffe]", // Teredo, obfuscated client 127.0.0.1
];

/** Bot URLs the guard must accept. */
export const PUBLIC_BOT_URLS = [
  "https://bot.example.com/hook/{conversation}",
  "http://8.8.8.8:8080/x",
  "http://134744072/x", // 8.8.8.8 as one decimal number
  "https://[2606:4700:4700::1111]/",
  "http://172.15.0.1/",
  "http://172.32.0.1/",
  "http://100.128.0.1/",
];

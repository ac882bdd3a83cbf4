import { describe, expect, it } from "vitest";
import { BotUrlSchema } from "../../protocol/management.ts";
import { PUBLIC_ADDRESS_REQUIRED, botUrlRefusal } from "../../worker/bot-url-guard.ts";

const production = {};
const localDevelopment = { ALLOW_PRIVATE_BOT_URLS: "true" };

describe("bot URL guard", () => {
  it("accepts public http(s) URLs", () => {
    for (const url of ["https://bot.example.com/hook/{conversation}", "http://203.0.113.7:8080/x", "https://[2001:db8::1]/", "http://172.15.0.1/"]) {
      expect(botUrlRefusal(url, production), url).toBeUndefined();
    }
  });

  it("refuses loopback, private, link-local and internal destinations however they are spelled", () => {
    for (const host of [
      "localhost",
      "api.localhost",
      "printer.local",
      "metadata.internal",
      "127.0.0.1",
      "127.1",
      "2130706433",
      "0x7f.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "[::1]",
      "[::ffff:127.0.0.1]",
      "[fd00::1]",
      "[fe80::1]",
    ]) {
      expect(botUrlRefusal(`http://${host}/hook`, production), host).toBe(PUBLIC_ADDRESS_REQUIRED);
    }
  });

  it("lets local development allow private addresses explicitly", () => {
    expect(botUrlRefusal("http://127.0.0.1:3000/bot", localDevelopment)).toBeUndefined();
  });

  it("leaves scheme and credentials to the schema", () => {
    for (const url of ["ftp://bot.example.com/", "file:///etc/passwd", "https://user:pass@bot.example.com/", "not a url"]) {
      expect(BotUrlSchema.safeParse(url).success, url).toBe(false);
    }
  });
});

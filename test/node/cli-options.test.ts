import { describe, expect, it } from "vitest";
import { DEFAULT_URL, UsageError, parseCommand } from "../../cli/options.ts";

const env = { PHONEMYBOT_API_KEY: "pmbk_env" };

describe("phonemybot's command line", () => {
  it("takes the gateway and the key from the environment, flags first", () => {
    expect(parseCommand(["call", "svc_1"], env)).toMatchObject({ name: "call", serviceId: "svc_1", global: { url: DEFAULT_URL, apiKey: "pmbk_env", json: false } });
    expect(parseCommand(["call", "svc_1"], { ...env, PHONEMYBOT_URL: "http://gw.example:9000/" })).toMatchObject({ global: { url: "http://gw.example:9000" } });
    expect(
      parseCommand(["call", "svc_1", "--url", "https://gw.example", "--api-key", "pmbk_flag", "--json", "--script", "s.txt", "--wait", "500"], env),
    ).toMatchObject({ global: { url: "https://gw.example", apiKey: "pmbk_flag", json: true }, script: "s.txt", waitMs: 500 });
    expect(parseCommand(["say", "svc_1", "q.wav", "-o", "r.wav"], env)).toMatchObject({ name: "say", wav: "q.wav", out: "r.wav", timeoutMs: 30_000 });
  });

  it("answers help without a key", () => {
    expect(parseCommand([], {})).toEqual({ name: "help" });
    expect(parseCommand(["--help"], {})).toEqual({ name: "help" });
    expect(parseCommand(["help", "say"], {})).toEqual({ name: "help", topic: "say" });
    expect(parseCommand(["call", "--help"], {})).toEqual({ name: "help", topic: "call" });
  });

  it("explains each mistake", () => {
    const mistake = (argv: string[], e: Record<string, string> = env) => {
      try {
        parseCommand(argv, e);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(mistake(["call", "svc_1"], {})).toBe("no API key: set PHONEMYBOT_API_KEY or pass --api-key");
    expect(mistake(["dial", "svc_1"])).toBe('unknown command "dial"');
    expect(mistake(["call"])).toMatch(/^usage: phonemybot call <serviceId>/);
    expect(mistake(["say", "svc_1"])).toMatch(/^usage: phonemybot say <serviceId> <file.wav>/);
    expect(mistake(["call", "svc_1", "--url", "ftp://x"])).toBe("the gateway URL must be http(s): ftp://x");
    expect(mistake(["call", "svc_1", "--url", "not a url"])).toBe("not a URL: not a url");
    expect(mistake(["call", "svc_1", "--wait", "soon"])).toBe('--wait takes milliseconds, not "soon"');
    expect(mistake(["call", "svc_1", "--colour"])).toMatch(/Unknown option '--colour'/);
  });
});

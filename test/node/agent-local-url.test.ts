import { describe, expect, it } from "vitest";
import { localAgentUrl } from "../../worker/livekit/config.ts";

// Where the portal tells a browser to find the local agent (worker/livekit/config.ts): with `HOST=0.0.0.0`, a browser
// on another machine must get a name it can reach, not the agent's wildcard or 127.0.0.1.

describe("the local agent's URL for a browser", () => {
  it("is AGENT_LOCAL_URL as given when the agent listens on one address", () => {
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://127.0.0.1:8788" }, "http://localhost:8787/api/v1/voice/config")).toBe("http://127.0.0.1:8788");
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://192.168.1.20:8788" }, "http://mybox.lan:8787/x")).toBe("http://192.168.1.20:8788");
  });

  it("on a wildcard address, is the host name the browser reached the gateway at, with the agent's port", () => {
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://0.0.0.0:8788" }, "http://mybox.lan:8787/api/v1/services/s/browser-calls")).toBe("http://mybox.lan:8788");
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://0.0.0.0:8788" }, "http://192.168.1.20:8787/x")).toBe("http://192.168.1.20:8788");
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://[::]:9001" }, "http://[fd00::2]:8787/x")).toBe("http://[fd00::2]:9001");
    expect(localAgentUrl({ AGENT_LOCAL_URL: "http://[::]:9001" }, "http://mybox.lan/x")).toBe("http://mybox.lan:9001");
  });

  it("is AGENT_PUBLIC_URL whenever it is set (a proxy, TLS, another name)", () => {
    const env = { AGENT_LOCAL_URL: "http://0.0.0.0:8788", AGENT_PUBLIC_URL: "https://voice.example.com" };
    expect(localAgentUrl(env, "http://mybox.lan:8787/x")).toBe("https://voice.example.com");
  });

  it("is null without a local agent", () => {
    expect(localAgentUrl({}, "http://localhost:8787/x")).toBeNull();
    expect(localAgentUrl({ AGENT_LOCAL_URL: "" }, "http://localhost:8787/x")).toBeNull();
  });
});

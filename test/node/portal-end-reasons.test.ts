import { describe, expect, it } from "vitest";
import { END_REASON_TEXT } from "../../protocol/end-reasons.ts";
import { localEndReasonText } from "../../protocol/voice.ts";

// The browser call says how it ended with the one table of end reasons, plus the local agent's own reasons.

describe("how a browser call ended, in words", () => {
  it("uses the shared table for call end reasons", () => {
    for (const [reason, text] of Object.entries(END_REASON_TEXT)) expect(localEndReasonText(reason)).toBe(text);
  });

  it("words the local agent's own reasons, and anything else readably", () => {
    expect(localEndReasonText("error")).toBe("the voice agent hit an error");
    expect(localEndReasonText("bot_ended")).toBe("the bot ended the call");
    expect(localEndReasonText("bridge_closed")).toBe("the voice agent lost the gateway");
    expect(localEndReasonText("conversation_exists")).toBe("conversation exists");
  });
});

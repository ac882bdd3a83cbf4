import { describe, expect, it } from "vitest";
import { spokenText } from "../../agent/spoken-text.ts";

const reply = "Our soup today is tomato. The fish is salmon with potatoes. We close at eleven.";
const sentences = [
  { text: "Our soup today is tomato.", start: 0 },
  { text: "The fish is salmon with potatoes.", start: 2 },
  { text: "We close at eleven.", start: 5 },
];

describe("what of a reply was heard", () => {
  it("counts the sentences that played whole and cuts the playing one at its played fraction", () => {
    expect(spokenText(reply, 1, 7, sentences)).toBe("Our soup");
    expect(spokenText(reply, 2, 7, sentences)).toBe("Our soup today is tomato.");
    expect(spokenText(reply, 3.5, 7, sentences)).toBe("Our soup today is tomato. The fish is");
    expect(spokenText(reply, 7, 7, sentences)).toBe(reply);
  });

  it("when the TTS had produced only the first sentence, the rest of the reply does not count as heard", () => {
    // 1.5 s played of the 1.6 s produced so far, all of it the first sentence.
    expect(spokenText(reply, 1.5, 1.6, [sentences[0]!])).toBe("Our soup today is");
  });

  it("without sentence timing, the played fraction of the whole text", () => {
    expect(spokenText(reply, 5, 10, [])).toBe("Our soup today is tomato. The fish"); // 7 of 15 words
  });

  it("nothing played, nothing heard", () => {
    expect(spokenText(reply, 0, 7, sentences)).toBe("");
    expect(spokenText(reply, 1, 0, sentences)).toBe("");
  });
});

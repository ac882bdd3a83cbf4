import { describe, expect, it } from "vitest";
import { PricingSchema, priceUsage } from "../../worker/pricing.ts";

const usage = { calls: 3, seconds: 200, minutes: 5, sttSeconds: 130, ttsCharacters: 2500, peakConcurrentCalls: 2 };

describe("priceUsage", () => {
  it("prices each item and adds the rounded lines up to the total", () => {
    const pricing = PricingSchema.parse({ currency: "EUR", perCall: 0.01, perMinute: 0.015, perSttMinute: 0.0043, perThousandTtsCharacters: 0.015 });
    const cost = priceUsage(usage, pricing);
    expect(cost.lines.map((l) => [l.item, l.quantity, l.amount])).toEqual([
      ["Calls", 3, 0.03],
      ["Voice minutes", 5, 0.08],
      ["Speech recognition", 3, 0.01],
      ["Speech synthesis", 2.5, 0.04],
    ]);
    expect(cost.total).toBe(0.16);
    expect(cost.currency).toBe("EUR");
  });

  it("leaves out items that are free", () => {
    const cost = priceUsage(usage, PricingSchema.parse({ currency: "USD", perMinute: 0.02 }));
    expect(cost.lines).toHaveLength(1);
    expect(cost.total).toBe(0.1);
  });
});

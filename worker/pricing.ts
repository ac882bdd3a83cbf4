import { z } from "zod";
import type { Cost, CostLine, UsageTotals } from "../protocol/management.ts";

export const PricingSchema = z.object({
  currency: z.string().length(3),
  perCall: z.number().nonnegative().default(0),
  perMinute: z.number().nonnegative().default(0),
  perSttMinute: z.number().nonnegative().default(0),
  perThousandTtsCharacters: z.number().nonnegative().default(0),
});
export type Pricing = z.infer<typeof PricingSchema>;

const toCents = (amount: number) => Math.round(amount * 100);

/**
 * The cost of some usage under a price table: one line per priced item, each rounded to the cent,
 * and a total that is the sum of the lines (so the lines always add up).
 */
export function priceUsage(usage: UsageTotals, pricing: Pricing): Cost {
  const items: Omit<CostLine, "amount">[] = [
    { item: "Calls", quantity: usage.calls, unit: "call", unitPrice: pricing.perCall },
    { item: "Voice minutes", quantity: usage.minutes, unit: "minute", unitPrice: pricing.perMinute },
    { item: "Speech recognition", quantity: Math.ceil(usage.sttSeconds / 60), unit: "minute", unitPrice: pricing.perSttMinute },
    {
      item: "Speech synthesis",
      quantity: usage.ttsCharacters / 1000,
      unit: "1,000 characters",
      unitPrice: pricing.perThousandTtsCharacters,
    },
  ];
  const lines = items
    .filter((line) => line.unitPrice > 0)
    .map((line) => ({ ...line, amount: toCents(line.quantity * line.unitPrice) / 100 }));
  const totalCents = lines.reduce((sum, line) => sum + toCents(line.amount), 0);
  return { currency: pricing.currency, total: totalCents / 100, lines };
}

import { describe, expect, it } from "vitest";
import { ErrorTally, ledger } from "../../scripts/load/tally.ts";

describe("the load scripts' ledger", () => {
  it("counts lost, duplicated and out-of-order messages against what was accepted", () => {
    expect(ledger(["a", "b", "c"], ["a", "b", "c"])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(ledger(["a", "b", "c"], ["a", "c"])).toEqual({ lost: 1, duplicated: 0, outOfOrder: 0 });
    expect(ledger(["a", "b", "c"], ["a", "a", "b", "b", "b", "c"])).toEqual({ lost: 0, duplicated: 3, outOfOrder: 0 });
    expect(ledger(["a", "b", "c"], ["b", "a", "c"])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 1 });
    // What arrived without being accepted (a retried request the gateway had carried out) is not counted here.
    expect(ledger(["a"], ["x", "a"])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it("reports errors by kind, the most frequent first", () => {
    const errors = new ErrorTally();
    expect(String(errors)).toBe("none");
    for (const kind of ["send: HTTP 503", "utterance: network error (ECONNRESET)", "send: HTTP 503"]) errors.add(kind);
    expect(errors.total).toBe(3);
    expect(String(errors)).toBe("send: HTTP 503 ×2, utterance: network error (ECONNRESET) ×1");
  });
});

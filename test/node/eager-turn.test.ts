import { describe, expect, it } from "vitest";
import { EagerTurns } from "../../agent/conversation/eager-turn.ts";

/** Flux's eager end of turn as the call decides it (agent/conversation/eager-turn.ts), apart from any socket. */
describe("eager end of turn: hold, release, supersede", () => {
  it("sends on EagerEndOfTurn, holds the reply, and releases it when EndOfTurn confirms the same words (nothing sent again)", () => {
    const eager = new EagerTurns<string>();
    expect(eager.holding).toBe(false);
    expect(eager.eager("a table for two", 1)).toEqual({ send: true, drop: [] });
    expect(eager.holding).toBe(true);
    expect(eager.admit("reply to 1", undefined)).toBe("hold");
    expect(eager.admit("reply naming 1", 1)).toBe("hold");
    expect(eager.endOfTurn(" a table  for two ")).toEqual({ send: false, release: ["reply to 1", "reply naming 1"], drop: [] });
    expect(eager.holding).toBe(false);
    expect(eager.admit("later", undefined)).toBe("play");
  });

  it("an EagerEndOfTurn repeated with the same words is not sent twice", () => {
    const eager = new EagerTurns<string>();
    expect(eager.eager("yes please", 3).send).toBe(true);
    expect(eager.eager("yes please", 4).send).toBe(false);
  });

  it("TurnResumed supersedes the speculative turn: the bot is told of it, its replies are dropped, the longer words go at the real end", () => {
    const eager = new EagerTurns<string>();
    eager.eager("I would like", 1);
    expect(eager.admit("early reply", undefined)).toBe("hold");
    expect(eager.turnResumed()).toBe(1);
    expect(eager.holding).toBe(true); // the caller is still speaking: nothing plays over them
    expect(eager.admit("slow reply to 1", undefined)).toBe("hold");
    expect(eager.admit("reply to an older turn", 0)).toBe("hold");
    const end = eager.endOfTurn("I would like a table for two");
    expect(end).toEqual({ send: true, release: ["reply to an older turn"], drop: ["early reply", "slow reply to 1"] });
    expect(end.superseded).toBeUndefined(); // told at TurnResumed already
    expect(eager.isSuperseded(1)).toBe(true);
    // A reply naming the superseded turn is dropped whenever it comes; others play.
    expect(eager.admit("very late reply to 1", 1)).toBe("drop");
    expect(eager.admit("reply to 2", 2)).toBe("play");
  });

  it("TurnResumed then a second EagerEndOfTurn: the first turn's replies are dropped at once, the second's held until confirmed", () => {
    const eager = new EagerTurns<string>();
    eager.eager("I would like", 1);
    eager.admit("reply to 1", undefined);
    expect(eager.turnResumed()).toBe(1);
    expect(eager.eager("I would like a table", 2)).toEqual({ send: true, drop: ["reply to 1"] });
    eager.admit("reply to 2", 2);
    expect(eager.endOfTurn("I would like a table")).toEqual({ send: false, release: ["reply to 2"], drop: [] });
  });

  it("an EndOfTurn with other words and no TurnResumed still supersedes (the bot is told with the end)", () => {
    const eager = new EagerTurns<string>();
    eager.eager("two", 5);
    eager.admit("reply to 5", undefined);
    expect(eager.endOfTurn("two pizzas")).toEqual({ send: true, release: [], drop: ["reply to 5"], superseded: 5 });
  });

  it("a second EagerEndOfTurn with other words and no TurnResumed supersedes the first", () => {
    const eager = new EagerTurns<string>();
    eager.eager("two", 5);
    expect(eager.eager("two pizzas", 6)).toEqual({ send: true, drop: [], superseded: 5 });
  });

  it("without an eager end, EndOfTurn is a plain turn and nothing is held", () => {
    const eager = new EagerTurns<string>();
    expect(eager.turnResumed()).toBeNull();
    expect(eager.admit("reply", undefined)).toBe("play");
    expect(eager.endOfTurn("hello")).toEqual({ send: true, release: [], drop: [] });
  });

  it("takeAll empties what is held (the call ended)", () => {
    const eager = new EagerTurns<string>();
    eager.eager("hello", 1);
    eager.admit("a", undefined);
    eager.admit("b", 1);
    expect(eager.takeAll()).toEqual(["a", "b"]);
    expect(eager.endOfTurn("hello").release).toEqual([]);
  });
});

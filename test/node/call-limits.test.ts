import { describe, expect, it } from "vitest";
import { limitDeadline } from "../../durable-objects/conversation/limits.ts";

describe("a call's limit deadline", () => {
  const limits = { ends_by: 10_000, idle_ms: 3_000 };

  it("is the idle timeout after the last message for a call no agent carries, while that comes first", () => {
    expect(limitDeadline({ ...limits, agent_deadline: null }, 2_000)).toEqual({ at: 5_000, reason: "idle" });
  });

  it("is the maximum duration once the idle timeout would come later", () => {
    expect(limitDeadline({ ...limits, agent_deadline: null }, 8_000)).toEqual({ at: 10_000, reason: "max_duration" });
  });

  it("is always the maximum duration for a call an agent carries", () => {
    expect(limitDeadline({ ...limits, agent_deadline: 1_000 }, 0)).toEqual({ at: 10_000, reason: "max_duration" });
  });
});

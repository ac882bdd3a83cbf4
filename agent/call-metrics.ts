import { voice } from "@livekit/agents";
import type { CallSession } from "./call.ts";
import type { TurnObserver } from "./turn-timing.ts";
import { activeCalls, bridgeReconnects, callsTotal, observeSpan, speechErrors, turnsTotal } from "./metrics.ts";

/** A call's turns and spans, counted in the process's metrics (agent/metrics.ts). */
export const callMetrics: TurnObserver = {
  turn: () => turnsTotal.inc(),
  span: (name, ms) => observeSpan(name, ms),
};

/** Counts a call while it lasts, its bridge's reconnections and its speech providers' errors. */
export function watchCallMetrics(call: CallSession): void {
  activeCalls.inc();
  void call.done.then((reason) => {
    activeCalls.dec();
    callsTotal.inc({ reason });
  });
  call.bridge.on("reconnecting", () => bridgeReconnects.inc());
  call.sessionStarted.add((session) =>
    session.on(voice.AgentSessionEventTypes.Error, ({ error }) => {
      const recoverable = "recoverable" in error ? String(error.recoverable) : "unknown";
      speechErrors.inc({ type: error.type, recoverable });
    }),
  );
}

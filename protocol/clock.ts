/**
 * The agent's and the gateway's clocks are different machines' clocks. The agent measures the offset on the bridge,
 * NTP-style: it sends `clock {agentSentAt}`, the gateway answers with its own time, and the agent notes when the answer
 * came back. Assuming the way out and the way back take as long, the gateway's clock read `gatewayAt` at the agent's
 * midpoint `(sent + received) / 2`; the error is at most half the round trip, so the sample with the shortest round
 * trip is the one to trust.
 */
export interface ClockSample {
  /** Agent clock, when the probe left. */
  agentSentAt: number;
  /** Gateway clock, when it answered. */
  gatewayAt: number;
  /** Agent clock, when the answer came back. */
  agentReceivedAt: number;
}

export interface ClockOffset {
  /** Add to an agent time to get the gateway's time. */
  offsetMs: number;
  /** The round trip of the sample it came from: the offset is right within half of it. */
  roundTripMs: number;
}

export function offsetFromSample(s: ClockSample): ClockOffset {
  const roundTripMs = Math.max(0, s.agentReceivedAt - s.agentSentAt);
  return { offsetMs: s.gatewayAt - (s.agentSentAt + s.agentReceivedAt) / 2, roundTripMs };
}

/** The best estimate from several samples: the one with the shortest round trip. Undefined for none. */
export function bestOffset(samples: readonly ClockSample[]): ClockOffset | undefined {
  let best: ClockOffset | undefined;
  for (const sample of samples) {
    if (sample.agentReceivedAt < sample.agentSentAt) continue;
    const offset = offsetFromSample(sample);
    if (!best || offset.roundTripMs < best.roundTripMs) best = offset;
  }
  return best;
}

/** An agent time in the gateway's clock (unchanged when no offset has been measured yet). */
export function toGatewayTime(agentTime: number, offset: ClockOffset | undefined): number {
  return Math.round(agentTime + (offset?.offsetMs ?? 0));
}

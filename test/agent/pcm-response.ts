import type { ServerResponse } from "node:http";

/** What goes wrong with a fake provider's next `count` responses: an error status, or the connection cut after `afterBytes`. */
export interface FaultPlan {
  count: number;
  status?: number;
  afterBytes?: number;
}

/** Takes one fault from the plan, if any is left. */
export function nextFault(plan: FaultPlan): FaultPlan | undefined {
  if (plan.count <= 0) return undefined;
  plan.count--;
  return plan;
}

export interface PcmPacing {
  /** Delay before the first byte. */
  firstByteDelayMs?: number;
  /** Pause between 100 ms chunks of audio (0 = as fast as possible). */
  chunkDelayMs?: number;
  /** Pause after the first chunk, to prove the client streams. */
  stallAfterFirstChunkMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Streams 16-bit PCM in chunked 100 ms pieces, as the providers' speech endpoints do; `dropAt` cuts the connection. */
export async function streamPcm(res: ServerResponse, pcm: Buffer, sampleRate: number, pacing: PcmPacing, dropAt = Infinity): Promise<void> {
  if (pacing.firstByteDelayMs) await sleep(pacing.firstByteDelayMs);
  res.writeHead(200, { "content-type": "application/octet-stream", "transfer-encoding": "chunked" });
  const chunk = (sampleRate / 10) * 2;
  for (let i = 0; i < pcm.length && !res.destroyed; i += chunk) {
    if (i >= dropAt) {
      res.socket?.destroy();
      return;
    }
    res.write(pcm.subarray(i, i + chunk));
    if (i === 0 && pacing.stallAfterFirstChunkMs) await sleep(pacing.stallAfterFirstChunkMs);
    else if (pacing.chunkDelayMs) await sleep(pacing.chunkDelayMs);
  }
  res.end();
}

import { AggregatorRegistry } from "prom-client";
import { z } from "zod";

/**
 * A registry's metrics as prom-client gives them (`getMetricsAsJSON`), what a job process pushes. Checked when it
 * arrives; its `type` is the string prom-client writes ("counter", "gauge", …), not the enum of its typings.
 */
export const MetricsJsonSchema = z.array(
  z.object({
    name: z.string(),
    help: z.string(),
    type: z.enum(["counter", "gauge", "histogram", "summary"]),
    aggregator: z.string(),
    values: z.array(
      z.object({
        value: z.number(),
        labels: z.record(z.string(), z.union([z.string(), z.number()])),
        metricName: z.string().optional(),
      }),
    ),
  }),
);
export type MetricsJson = z.infer<typeof MetricsJsonSchema>;

/** prom-client's `aggregate`, typed for what it really takes and gives. */
export async function sumMetrics(snapshots: MetricsJson[]): Promise<MetricsJson> {
  return MetricsJsonSchema.parse(await AggregatorRegistry.aggregate(snapshots as never).getMetricsAsJSON());
}

/**
 * The call metrics of the framework's job processes (on the LiveKit path, one process per call), as each last pushed
 * them, kept by the worker's process to add to its own when scraped (agent/metrics.ts).
 *
 * A job that is over (its final push, or no push for `staleAfterMs`: the process died) is folded into one retired
 * sum, so that the counters and histograms it counted stay counted and do not go down; its gauges (calls under way)
 * are dropped, since a process that is gone carries no call.
 */
export class JobMetrics {
  private readonly live = new Map<string, { metrics: MetricsJson; at: number }>();
  /** Jobs retired for their silence: a late push from one is dropped, as its counts are already in the retired sum. */
  private readonly silenced = new Set<string>();
  private retired: MetricsJson = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly staleAfterMs: number) {}

  /** Job `job` pushed its metrics at `now`; `final`: its call is over and it will push no more. */
  report(job: string, metrics: MetricsJson, final: boolean, now = Date.now()): Promise<void> {
    return this.serially(async () => {
      if (this.silenced.has(job)) return;
      if (!final) return void this.live.set(job, { metrics, at: now });
      this.live.delete(job);
      await this.retire(metrics);
    });
  }

  /** The snapshots to sum with the process's own: each live job's, and the retired sum. */
  snapshots(now = Date.now()): Promise<MetricsJson[]> {
    return this.serially(async () => {
      for (const [job, { metrics, at }] of this.live) {
        if (now - at <= this.staleAfterMs) continue;
        this.live.delete(job);
        this.silenced.add(job);
        await this.retire(metrics);
      }
      return [...[...this.live.values()].map((job) => job.metrics), this.retired];
    });
  }

  /** Jobs that pushed lately. */
  get liveJobs(): number {
    return this.live.size;
  }

  private async retire(metrics: MetricsJson): Promise<void> {
    const counted = metrics.filter((metric) => metric.type !== "gauge");
    this.retired = await sumMetrics([this.retired, counted]);
  }

  /** One change at a time: folding is asynchronous (prom-client), and two folds at once would lose one. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

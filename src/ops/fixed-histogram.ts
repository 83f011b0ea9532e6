/**
 * A histogram with fixed bucket bounds, for the per-batch figures (inference latency, rows per
 * batch): `observe` is a short scan over a preallocated array, no allocation, no labels. The
 * metrics endpoint renders it in Prometheus form on scrape.
 */
export class FixedHistogram {
  /** Upper bounds, ascending (Prometheus `le`: an observation equal to a bound counts in it). */
  readonly bounds: readonly number[];
  /** Per bucket (not cumulative); the last one is +Inf. */
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!))
        throw new RangeError(`bucket bounds must ascend: ${bounds.join(", ")}`);
    }
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts per bound, then the +Inf total (what `_bucket{le=…}` shows). */
  cumulative(): number[] {
    const out = new Array<number>(this.counts.length);
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i]!;
      out[i] = acc;
    }
    return out;
  }
}

/** Seconds per `session.run`: from 0.1 ms (a tree on a desktop) to 2.5 s (a big batch on a Pi). */
export const LATENCY_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
/** Rows per batch. */
export const BATCH_ROWS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** The two histograms kept per model. */
export interface BatchHistograms {
  readonly latencyS: FixedHistogram;
  readonly rows: FixedHistogram;
}

export function batchHistograms(): BatchHistograms {
  return { latencyS: new FixedHistogram(LATENCY_BUCKETS_S), rows: new FixedHistogram(BATCH_ROWS_BUCKETS) };
}

import type { ChannelContext } from "./channel-context.js";
import { type FeatureFamily, simpleFeature } from "./feature-family.js";

/**
 * Statistics over a short window of scalar readings (e.g. 60 s of a temperature), usually one
 * per channel of a time window (`s_mean@temp`). Prefixed `s_` so they do not clash with the
 * vibration statistics. `s_std` is the population std; `s_slope` is the least-squares slope in
 * units per second, taking sample i at i / sampleRateHz (per sample when the window has no rate);
 * 0 with fewer than two samples.
 */
export const SCALAR_FEATURES = ["s_mean", "s_min", "s_max", "s_std", "s_slope", "s_last"] as const;
export type ScalarFeature = (typeof SCALAR_FEATURES)[number];

const MEAN = 0;
const MIN = 1;
const MAX = 2;
const STD = 3;
const SLOPE = 4;
const LAST = 5;

class ScalarStats {
  private readonly v = new Float64Array(SCALAR_FEATURES.length);
  private epoch = -1;
  private readonly ctx: ChannelContext;

  constructor(ctx: ChannelContext) {
    this.ctx = ctx;
  }

  values(): Float64Array {
    if (this.epoch !== this.ctx.epoch) {
      computeScalarStats(this.ctx.samples, this.ctx.sampleRateHz, this.v);
      this.epoch = this.ctx.epoch;
    }
    return this.v;
  }
}

/** Fill `out` (length ≥ 6) with the statistics of x (non-empty) in SCALAR_FEATURES order. */
export function computeScalarStats(x: Float32Array, sampleRateHz: number, out: Float64Array): void {
  const n = x.length;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  const centre = (n - 1) / 2;
  let m2 = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    m2 += d * d;
    cross += (i - centre) * d;
  }
  // Σ(i − centre)² = n(n² − 1)/12
  const spread = (n * (n * n - 1)) / 12;
  const perSample = spread > 0 ? cross / spread : 0;
  out[MEAN] = mean;
  out[MIN] = min;
  out[MAX] = max;
  out[STD] = Math.sqrt(m2 / n);
  out[SLOPE] = sampleRateHz > 0 ? perSample * sampleRateHz : perSample;
  out[LAST] = x[n - 1]!;
}

export const scalarFamily: FeatureFamily = {
  family: "scalar",
  names: SCALAR_FEATURES,
  resolve(name) {
    const index = (SCALAR_FEATURES as readonly string[]).indexOf(name);
    if (index < 0) return undefined;
    return simpleFeature((ctx) => {
      const stats = ctx.slot("scalar", (c) => new ScalarStats(c));
      return (out, i) => {
        out[i] = stats.values()[index]!;
      };
    });
  },
};

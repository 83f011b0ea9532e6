import type { ChannelContext } from "./channel-context.js";
import { type FeatureFamily, simpleFeature } from "./feature-family.js";

/**
 * Time-domain statistics of a vibration window, exactly as the benchmark workload defines them
 * (shared/bench/WORKLOAD.md): computed in float64 over the float32 samples, population moments,
 * and 0 for a ratio whose denominator (rms, std, mean|x|) is 0.
 */
export const TIME_FEATURES = [
  "mean",
  "std",
  "rms",
  "peak",
  "p2p",
  "crest",
  "skewness",
  "kurtosis",
  "shape",
  "impulse",
] as const;
export type TimeFeature = (typeof TIME_FEATURES)[number];

export const MEAN = 0;
const STD = 1;
const RMS = 2;
const PEAK = 3;
const P2P = 4;
const CREST = 5;
const SKEWNESS = 6;
const KURTOSIS = 7;
const SHAPE = 8;
const IMPULSE = 9;

/** All ten statistics of one channel, computed together (two passes) once per window. */
export class TimeStats {
  /** Values in TIME_FEATURES order. */
  private readonly v = new Float64Array(TIME_FEATURES.length);
  private epoch = -1;
  private readonly ctx: ChannelContext;

  constructor(ctx: ChannelContext) {
    this.ctx = ctx;
  }

  values(): Float64Array {
    if (this.epoch !== this.ctx.epoch) {
      computeTimeStats(this.ctx.samples, this.v);
      this.epoch = this.ctx.epoch;
    }
    return this.v;
  }
}

/** The channel's shared TimeStats (other families reuse the mean). */
export function timeStats(ctx: ChannelContext): TimeStats {
  return ctx.slot("time", (c) => new TimeStats(c));
}

/** Fill `out` (length ≥ 10) with the statistics of x in TIME_FEATURES order. */
export function computeTimeStats(x: Float32Array, out: Float64Array): void {
  const n = x.length;
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    sum += v;
    sumAbs += Math.abs(v);
    sumSq += v * v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const std = Math.sqrt(m2);
  const rms = Math.sqrt(sumSq / n);
  const peak = Math.max(Math.abs(max), Math.abs(min));
  const meanAbs = sumAbs / n;
  out[MEAN] = mean;
  out[STD] = std;
  out[RMS] = rms;
  out[PEAK] = peak;
  out[P2P] = max - min;
  out[CREST] = rms > 0 ? peak / rms : 0;
  out[SKEWNESS] = std > 0 ? m3 / (std * std * std) : 0;
  out[KURTOSIS] = std > 0 ? m4 / (m2 * m2) : 0;
  out[SHAPE] = meanAbs > 0 ? rms / meanAbs : 0;
  out[IMPULSE] = meanAbs > 0 ? peak / meanAbs : 0;
}

export const timeFamily: FeatureFamily = {
  family: "time",
  names: TIME_FEATURES,
  resolve(name) {
    const index = (TIME_FEATURES as readonly string[]).indexOf(name);
    if (index < 0) return undefined;
    return simpleFeature((ctx) => {
      const stats = timeStats(ctx);
      return (out, i) => {
        out[i] = stats.values()[index]!;
      };
    });
  },
};

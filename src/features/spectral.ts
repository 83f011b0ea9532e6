import type { ChannelContext } from "./channel-context.js";
import { type DftPlan, dftPlan } from "./dft-plan.js";
import { type FeatureFamily, simpleFeature } from "./feature-family.js";
import { hannWindow } from "./hann.js";
import { MEAN, type TimeStats, timeStats } from "./time.js";

/** Number of contiguous bands the one-sided spectrum is split into. */
export const BAND_COUNT = 6;
export const SPECTRAL_FEATURES = Array.from({ length: BAND_COUNT }, (_, b) => `band${b}`);

/**
 * Band energy fractions, as the benchmark workload defines them: the squared magnitudes of the
 * DFT of (x − mean)·hann (symmetric Hann), bins 1 … K with K = floor(N/2), split into 6 bands of
 * floor(K/6) bins (band b = bins 1+b·w … (b+1)·w, the last band takes the remainder up to K),
 * each band's energy divided by the total (all 0 when the total is 0).
 *
 * The DFT is the window's own N-point DFT for any N (radix-2 for powers of two, Bluestein
 * otherwise), never a zero-padded one, so a band means the same fraction of Nyquist at every
 * length. Buffers grow to the longest window seen and are reused.
 */
export class BandEnergies {
  private readonly fractions = new Float64Array(BAND_COUNT);
  private epoch = -1;
  private readonly ctx: ChannelContext;
  /** The channel's time statistics, for the mean (shared with the time features). */
  private readonly time: TimeStats;
  private plan: DftPlan | null = null;
  private hann: Float64Array = new Float64Array(0);
  private buf = new Float64Array(0);
  private re = new Float64Array(0);
  private im = new Float64Array(0);

  constructor(ctx: ChannelContext) {
    this.ctx = ctx;
    this.time = timeStats(ctx);
  }

  values(): Float64Array {
    if (this.epoch !== this.ctx.epoch) {
      this.compute();
      this.epoch = this.ctx.epoch;
    }
    return this.fractions;
  }

  private prepare(n: number): DftPlan {
    if (this.plan === null || this.plan.size !== n) {
      this.plan = dftPlan(n);
      this.hann = hannWindow(n);
      if (this.buf.length < n) {
        this.buf = new Float64Array(n);
        this.re = new Float64Array((n >> 1) + 1);
        this.im = new Float64Array((n >> 1) + 1);
      }
    }
    return this.plan;
  }

  private compute(): void {
    const x = this.ctx.samples;
    const n = x.length;
    const plan = this.prepare(n);
    const mean = this.time.values()[MEAN]!;
    const { buf, re, im, hann, fractions } = this;
    for (let i = 0; i < n; i++) buf[i] = (x[i]! - mean) * hann[i]!;
    plan.realForward(buf, re, im);
    const last = n >> 1;
    const width = Math.floor(last / BAND_COUNT);
    let total = 0;
    for (let b = 0; b < BAND_COUNT; b++) {
      const from = 1 + b * width;
      const to = b === BAND_COUNT - 1 ? last : from + width - 1;
      let e = 0;
      for (let k = from; k <= to; k++) {
        const r = re[k]!;
        const j = im[k]!;
        e += r * r + j * j;
      }
      fractions[b] = e;
      total += e;
    }
    for (let b = 0; b < BAND_COUNT; b++) fractions[b] = total > 0 ? fractions[b]! / total : 0;
  }
}

export const spectralFamily: FeatureFamily = {
  family: "spectral",
  names: SPECTRAL_FEATURES,
  resolve(name) {
    const index = SPECTRAL_FEATURES.indexOf(name);
    if (index < 0) return undefined;
    return simpleFeature((ctx) => {
      const bands = ctx.slot("spectral", (c) => new BandEnergies(c));
      return (out, i) => {
        out[i] = bands.values()[index]!;
      };
    });
  },
};

import type { ChannelContext } from "./channel-context.js";
import { type DftPlan, dftPlan } from "./dft-plan.js";
import { hannWindow } from "./hann.js";
import { selectInPlace } from "./median.js";

/** Relative tolerance around a defect frequency (the shaft speed and the orders are nominal). */
export const LINE_TOLERANCE = 0.025;
/** The reference level around a line spans at least this many bins on each side… */
export const REFERENCE_MIN_BINS = 8;
/** …or this fraction of the line's frequency, whichever is wider. */
export const REFERENCE_FRACTION = 0.25;
/** An envelope whose std is below this fraction of its mean is numerically flat: no lines. */
const FLAT_RELATIVE_STD = 1e-10;
/**
 * A band whose rms is below this fraction of the signal's (−120 dB, below any accelerometer's
 * dynamic range and at float32 rounding) holds no envelope: no lines, kurtosis 0.
 */
const EMPTY_BAND_RMS_RATIO = 1e-6;
/** Floor of the reference level, relative to the strongest bin, so ratios stay finite (≤ 1e9). */
const REFERENCE_FLOOR = 1e-18;

/**
 * The envelope (demodulation) spectrum of one channel's window, computed once per window:
 * 1. x − mean, DFT; keep the bins inside the band (a brick-wall band-pass), doubled, and drop the
 *    negative frequencies: the spectrum of the analytic signal of the band-passed x;
 * 2. inverse DFT: the envelope e[n] = |analytic[n]|;
 * 3. the power spectrum of (e − mean(e))·hann, bins 0 … floor(N/2).
 * Also the envelope's kurtosis and the rms of the band relative to the whole signal.
 * Buffers grow to the longest window seen and are reused; nothing is allocated per window.
 */
export class EnvelopeSpectrum {
  /** Envelope-spectrum power per bin, 0 … floor(N/2) (valid up to `bins`). */
  power = new Float64Array(0);
  bins = 0;
  /** Bin spacing in Hz. */
  binHz = Number.NaN;
  /** Largest power over bins 1 … bins−1. */
  maxPower = 0;
  /** Kurtosis of the envelope (not excess); 0 when the envelope is flat or the band empty. */
  kurtosis = 0;
  /** rms of the band-passed signal / rms of x − mean; 0 for a constant x. */
  bandRmsRatio = 0;
  private readonly ctx: ChannelContext;
  private readonly bandHz: readonly [number, number];
  private epoch = -1;
  private plan: DftPlan | null = null;
  private hann: Float64Array = new Float64Array(0);
  private buf = new Float64Array(0);
  private re = new Float64Array(0);
  private im = new Float64Array(0);
  private scratch = new Float64Array(0);

  constructor(ctx: ChannelContext, bandHz: readonly [number, number]) {
    this.ctx = ctx;
    this.bandHz = bandHz;
  }

  update(): this {
    if (this.epoch !== this.ctx.epoch) {
      this.compute();
      this.epoch = this.ctx.epoch;
    }
    return this;
  }

  /**
   * For each j, how much the envelope spectrum stands out at orders[j] × the shaft speed:
   * out[j] = sqrt(peak / reference), where peak is the largest power over the bins within
   * ±LINE_TOLERANCE of that frequency (at least the two bins around it) and reference is the
   * median power of the bins around those (REFERENCE_MIN_BINS or REFERENCE_FRACTION of the
   * frequency on each side, skipping the peak bins and one bin either side). A ratio of
   * magnitudes, so it does not depend on the signal's scale; about 1 where nothing stands out.
   * 0 for a flat envelope, an empty band or a line beyond Nyquist, NaN when the shaft speed or rate is unknown.
   *
   * Orders in and ratios out go through arrays so that no number is boxed per window.
   */
  lineRatios(orders: Float64Array, out: Float64Array): void {
    for (let j = 0; j < orders.length; j++) this.lineRatio(orders, j, out);
  }

  private lineRatio(orders: Float64Array, j: number, out: Float64Array): void {
    const hz = orders[j]! * this.ctx.shaftHz;
    const df = this.binHz;
    const last = this.bins - 1;
    const lo = Math.max(1, Math.floor((hz * (1 - LINE_TOLERANCE)) / df));
    const hi = Math.min(last, Math.ceil((hz * (1 + LINE_TOLERANCE)) / df));
    if (!(hz > 0) || !(df > 0)) out[j] = Number.NaN;
    else if (this.maxPower <= 0 || lo > hi) out[j] = 0;
    else {
      const power = this.power;
      let peak = 0;
      for (let k = lo; k <= hi; k++) if (power[k]! > peak) peak = power[k]!;
      const reach = Math.max(REFERENCE_MIN_BINS, Math.ceil((REFERENCE_FRACTION * hz) / df));
      const from = Math.max(1, lo - reach);
      const to = Math.min(last, hi + reach);
      const scratch = this.scratch;
      let count = 0;
      for (let k = from; k <= to; k++) if (k < lo - 1 || k > hi + 1) scratch[count++] = power[k]!;
      // Median of the surrounding bins (mean of the two middle values for an even count).
      let reference = 0;
      if (count > 0) {
        const mid = count >> 1;
        selectInPlace(scratch, count, mid);
        reference = scratch[mid]!;
        if ((count & 1) === 0) {
          let lower = scratch[0]!;
          for (let k = 1; k < mid; k++) if (scratch[k]! > lower) lower = scratch[k]!;
          reference = 0.5 * (lower + reference);
        }
      }
      out[j] = Math.sqrt(peak / Math.max(reference, REFERENCE_FLOOR * this.maxPower));
    }
  }

  private prepare(n: number): DftPlan {
    if (this.plan === null || this.plan.size !== n) {
      this.plan = dftPlan(n);
      this.hann = hannWindow(n);
      if (this.buf.length < n) {
        this.buf = new Float64Array(n);
        this.re = new Float64Array(n);
        this.im = new Float64Array(n);
        this.power = new Float64Array((n >> 1) + 1);
        this.scratch = new Float64Array((n >> 1) + 1);
      }
    }
    return this.plan;
  }

  private compute(): void {
    const x = this.ctx.samples;
    const n = x.length;
    const plan = this.prepare(n);
    const { buf, re, im, hann, power } = this;
    const rate = this.ctx.rateHz();
    const last = n >> 1;
    this.bins = last + 1;
    this.binHz = rate / n;

    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i]!;
    const mean = sum / n;
    for (let i = 0; i < n; i++) buf[i] = x[i]! - mean;
    plan.realForward(buf, re, im);

    // Band-pass and analytic signal in the frequency domain; band energy vs total on the way.
    const kLo = Math.max(0, Math.ceil(this.bandHz[0] / this.binHz));
    const kHi = Math.min(last, Math.floor(Math.min(this.bandHz[1], rate / 2) / this.binHz));
    let total = 0;
    let band = 0;
    for (let k = 0; k <= last; k++) {
      const single = k === 0 || 2 * k === n;
      const e = (re[k]! * re[k]! + im[k]! * im[k]!) * (single ? 1 : 2);
      const inBand = k >= kLo && k <= kHi;
      if (k > 0) total += e;
      if (inBand && k > 0) band += e;
      const gain = inBand ? (single ? 1 : 2) : 0;
      re[k]! *= gain;
      im[k]! *= gain;
    }
    re.fill(0, last + 1, n);
    im.fill(0, last + 1, n);
    this.bandRmsRatio = total > 0 ? Math.sqrt(band / total) : 0;
    plan.inverse(re, im);

    let envSum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.sqrt(re[i]! * re[i]! + im[i]! * im[i]!);
      buf[i] = e;
      envSum += e;
    }
    const envMean = envSum / n;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const d = buf[i]! - envMean;
      const d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    if (!(Math.sqrt(m2) > FLAT_RELATIVE_STD * envMean) || !(this.bandRmsRatio > EMPTY_BAND_RMS_RATIO)) {
      this.kurtosis = 0;
      this.maxPower = 0;
      power.fill(0);
      return;
    }
    this.kurtosis = m4 / (m2 * m2);

    for (let i = 0; i < n; i++) buf[i] = (buf[i]! - envMean) * hann[i]!;
    plan.realForward(buf, re, im);
    let maxPower = 0;
    for (let k = 0; k <= last; k++) {
      const p = re[k]! * re[k]! + im[k]! * im[k]!;
      power[k] = p;
      if (k > 0 && p > maxPower) maxPower = p;
    }
    this.maxPower = maxPower;
  }
}

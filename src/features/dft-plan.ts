import { BluesteinPlan } from "./bluestein.js";
import { FftPlan, isPowerOfTwo } from "./fft.js";

/**
 * A discrete Fourier transform of one length, planned once and reused for every window.
 * Transforms work in place on the caller's float64 arrays and allocate nothing per call.
 *
 * Convention: X[k] = Σ x[n]·e^(−2πi·kn/N) (unscaled forward), inverse scaled by 1/N.
 */
export interface DftPlan {
  readonly size: number;
  /** In-place forward transform of re/im[0 .. size). */
  forward(re: Float64Array, im: Float64Array): void;
  /** In-place inverse transform of re/im[0 .. size), scaled by 1/size. */
  inverse(re: Float64Array, im: Float64Array): void;
  /**
   * Forward transform of the real signal x[0 .. size): bins 0 .. floor(size/2) go to re/im,
   * which must hold at least floor(size/2) + 1 values (entries beyond that may be used as work space
   * up to size/2 + 1).
   */
  realForward(x: Float64Array, re: Float64Array, im: Float64Array): void;
}

const MAX_CACHED_PLANS = 16;
const plans = new Map<number, DftPlan>();

/**
 * The plan for length `size` (≥ 1), from a small cache shared by all extractors: radix-2 for powers of
 * two (the workload's 1024, CWRU's 2048/4096), Bluestein's chirp-z for any other length, so that every
 * window length gets its exact N-point DFT (no zero padding, so features do not depend on the length's
 * factors). Plans hold only scratch that is fully used within one call, so sharing is safe in
 * single-threaded code.
 */
export function dftPlan(size: number): DftPlan {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`DFT size must be a positive integer, got ${size}`);
  let plan = plans.get(size);
  if (plan === undefined) {
    plan = isPowerOfTwo(size) ? new FftPlan(size) : new BluesteinPlan(size);
    if (plans.size >= MAX_CACHED_PLANS) {
      const oldest = plans.keys().next();
      if (!oldest.done) plans.delete(oldest.value);
    }
    plans.set(size, plan);
  }
  return plan;
}

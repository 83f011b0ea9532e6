import type { DftPlan } from "./dft-plan.js";
import { FftPlan, nextPowerOfTwo } from "./fft.js";

/**
 * Exact N-point DFT for any N (Bluestein's chirp-z): the DFT becomes a circular convolution of
 * length L ≥ 2N−1 (a power of two), done with a radix-2 plan. About 3 FFTs of length L per
 * transform, so 6-12× a radix-2 transform of similar length; used only for window lengths that are
 * not powers of two. The chirp, the transformed filter and the scratch are allocated once.
 */
export class BluesteinPlan implements DftPlan {
  readonly size: number;
  private readonly fft: FftPlan;
  /** The chirp e^(−iπk²/N), k < N. */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** FFT of the filter conj(chirp), wrapped to length L. */
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`DFT size must be a positive integer, got ${size}`);
    this.size = size;
    const l = nextPowerOfTwo(2 * size - 1);
    this.fft = new FftPlan(l);
    this.wr = new Float64Array(size);
    this.wi = new Float64Array(size);
    this.br = new Float64Array(l);
    this.bi = new Float64Array(l);
    this.ar = new Float64Array(l);
    this.ai = new Float64Array(l);
    for (let k = 0; k < size; k++) {
      // k² mod 2N keeps the angle small, so the chirp stays accurate for long windows.
      const angle = (Math.PI * ((k * k) % (2 * size))) / size;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      this.wr[k] = c;
      this.wi[k] = -s;
      this.br[k] = c;
      this.bi[k] = s;
      if (k > 0) {
        this.br[l - k] = c;
        this.bi[l - k] = s;
      }
    }
    this.fft.forward(this.br, this.bi);
  }

  forward(re: Float64Array, im: Float64Array): void {
    this.load(re, im, 1);
    this.convolve();
    this.store(re, im, this.size, 1, 1);
  }

  inverse(re: Float64Array, im: Float64Array): void {
    // inverse(x) = conj(forward(conj(x))) / N
    this.load(re, im, -1);
    this.convolve();
    this.store(re, im, this.size, -1, 1 / this.size);
  }

  realForward(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const n = this.size;
    const { ar, ai, wr, wi } = this;
    for (let k = 0; k < n; k++) {
      ar[k] = x[k]! * wr[k]!;
      ai[k] = x[k]! * wi[k]!;
    }
    ar.fill(0, n);
    ai.fill(0, n);
    this.convolve();
    this.store(re, im, (n >> 1) + 1, 1, 1);
  }

  /** a[k] = (re[k] + i·imSign·im[k])·w[k], zero-padded to L. */
  private load(re: Float64Array, im: Float64Array, imSign: number): void {
    const n = this.size;
    const { ar, ai, wr, wi } = this;
    for (let k = 0; k < n; k++) {
      const xr = re[k]!;
      const xi = imSign * im[k]!;
      ar[k] = xr * wr[k]! - xi * wi[k]!;
      ai[k] = xr * wi[k]! + xi * wr[k]!;
    }
    ar.fill(0, n);
    ai.fill(0, n);
  }

  /** a ← IFFT(FFT(a)·B). */
  private convolve(): void {
    const { ar, ai, br, bi } = this;
    this.fft.forward(ar, ai);
    for (let k = 0; k < ar.length; k++) {
      const r = ar[k]!;
      const i = ai[k]!;
      ar[k] = r * br[k]! - i * bi[k]!;
      ai[k] = r * bi[k]! + i * br[k]!;
    }
    this.fft.inverse(ar, ai);
  }

  /** out[k] = scale·(w[k]·a[k]) with the imaginary part times imSign, for k < count. */
  private store(re: Float64Array, im: Float64Array, count: number, imSign: number, scale: number): void {
    const { ar, ai, wr, wi } = this;
    for (let k = 0; k < count; k++) {
      const yr = ar[k]!;
      const yi = ai[k]!;
      re[k] = scale * (yr * wr[k]! - yi * wi[k]!);
      im[k] = imSign * scale * (yr * wi[k]! + yi * wr[k]!);
    }
  }
}

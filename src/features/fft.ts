import type { DftPlan } from "./dft-plan.js";

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Radix-2 FFT of one power-of-two length: twiddles and the bit-reversal permutation are computed
 * once; a transform works in place on split real/imaginary float64 arrays and allocates nothing.
 * Real input of length N goes through one complex transform of length N/2 (the "two real halves"
 * trick), which is about twice as fast as a complex transform of length N.
 */
export class FftPlan implements DftPlan {
  readonly size: number;
  /** cos(2πj/size) and sin(2πj/size) for j < size/2. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Index pairs (i, reverse(i)) with i < reverse(i), flattened. */
  private readonly swaps: Uint32Array;
  /** The plan of length size/2 that realForward runs on (made on first use). */
  private half: FftPlan | null = null;

  constructor(size: number) {
    if (!isPowerOfTwo(size)) throw new RangeError(`FftPlan needs a power-of-two size, got ${size}`);
    this.size = size;
    const h = Math.max(1, size >> 1);
    this.cos = new Float64Array(h);
    this.sin = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      const angle = (2 * Math.PI * j) / size;
      this.cos[j] = Math.cos(angle);
      this.sin[j] = Math.sin(angle);
    }
    const bits = Math.round(Math.log2(size));
    const pairs: number[] = [];
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      if (i < r) pairs.push(i, r);
    }
    this.swaps = Uint32Array.from(pairs);
  }

  forward(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, -1);
  }

  inverse(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, 1);
    const n = this.size;
    const scale = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i]! *= scale;
      im[i]! *= scale;
    }
  }

  realForward(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const n = this.size;
    if (n === 1) {
      re[0] = x[0]!;
      im[0] = 0;
      return;
    }
    const m = n >> 1;
    for (let i = 0; i < m; i++) {
      re[i] = x[2 * i]!;
      im[i] = x[2 * i + 1]!;
    }
    if (this.half === null) this.half = new FftPlan(m);
    this.half.forward(re, im);
    // Split Z = FFT(even + i·odd) into X[k] = E[k] + W^k·O[k], pairs (k, m−k) in place.
    const z0r = re[0]!;
    const z0i = im[0]!;
    re[0] = z0r + z0i;
    im[0] = 0;
    re[m] = z0r - z0i;
    im[m] = 0;
    const cos = this.cos;
    const sin = this.sin;
    for (let k = 1, j = m - 1; k <= j; k++, j--) {
      const a = re[k]!;
      const b = im[k]!;
      const c = re[j]!;
      const d = im[j]!;
      const er = 0.5 * (a + c);
      const ei = 0.5 * (b - d);
      const or = 0.5 * (b + d);
      const oi = -0.5 * (a - c);
      const wr = cos[k]!;
      const wi = -sin[k]!;
      const tr = wr * or - wi * oi;
      const ti = wr * oi + wi * or;
      re[k] = er + tr;
      im[k] = ei + ti;
      re[j] = er - tr;
      im[j] = ti - ei;
    }
  }

  /** Iterative decimation in time; `sign` −1 forward, +1 inverse (unscaled). */
  private transform(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.size;
    const sw = this.swaps;
    for (let s = 0; s < sw.length; s += 2) {
      const a = sw[s]!;
      const b = sw[s + 1]!;
      const tr = re[a]!;
      re[a] = re[b]!;
      re[b] = tr;
      const ti = im[a]!;
      im[a] = im[b]!;
      im[b] = ti;
    }
    if (n >= 2) {
      for (let a = 0; a < n; a += 2) {
        const b = a + 1;
        const xr = re[b]!;
        const xi = im[b]!;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
      }
    }
    if (n >= 4) {
      // Length-4 butterflies: twiddles 1 and ∓i (sign·i).
      for (let a = 0; a < n; a += 4) {
        const b = a + 2;
        const xr = re[b]!;
        const xi = im[b]!;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
        const a1 = a + 1;
        const b1 = a + 3;
        const yr = -sign * im[b1]!;
        const yi = sign * re[b1]!;
        re[b1] = re[a1]! - yr;
        im[b1] = im[a1]! - yi;
        re[a1]! += yr;
        im[a1]! += yi;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let len = 8; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let j = 0; j < half; j++) {
        const wr = cos[j * step]!;
        const wi = sign * sin[j * step]!;
        for (let a = j; a < n; a += len) {
          const b = a + half;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a]! += xr;
          im[a]! += xi;
        }
      }
    }
  }
}

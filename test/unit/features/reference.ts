/**
 * Slow, obvious float64 references for the feature tests, written from the definitions (direct
 * O(N²) DFT, sort-based median), sharing no code with src/features.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A bearing-like window: shaft harmonics, a tone, decaying impulses ringing at ~3 kHz, noise, an offset. */
export function bearingLikeWindow(n: number, seed: number, fs = 12000): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(n);
  const shaft = 28 + 4 * rand();
  const defect = shaft * (3 + 3 * rand());
  const ring = 2500 + 1500 * rand();
  const offset = 0.2 * (rand() - 0.5);
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    let v =
      offset + 0.3 * Math.sin(2 * Math.PI * shaft * t) + 0.1 * Math.sin(2 * Math.PI * 3 * shaft * t + 1);
    const since = t % (1 / defect);
    v += 0.8 * Math.exp(-since * 800) * Math.sin(2 * Math.PI * ring * since);
    x[i] = v + 0.2 * gaussian(rand);
  }
  return x;
}

/** Direct DFT, X[k] = Σ x[n] e^(∓2πikn/N); inverse scaled by 1/N. */
export function directDft(
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  inverse = false,
): [Float64Array, Float64Array] {
  const n = re.length;
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / n);
    sin[j] = Math.sin((2 * Math.PI * j) / n);
  }
  const sign = inverse ? 1 : -1;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const j = (k * t) % n;
      const c = cos[j]!;
      const s = sign * sin[j]!;
      sr += re[t]! * c - im[t]! * s;
      si += re[t]! * s + im[t]! * c;
    }
    outRe[k] = inverse ? sr / n : sr;
    outIm[k] = inverse ? si / n : si;
  }
  return [outRe, outIm];
}

export function hann(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) =>
    n === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)),
  );
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** mean, std, rms, peak, p2p, crest, skewness, kurtosis, shape, impulse (0 for a zero denominator). */
export function referenceTime(x: ArrayLike<number>): number[] {
  const v = Array.from(x);
  const n = v.length;
  const mean = sum(v) / n;
  const m = (p: number): number => sum(v.map((a) => (a - mean) ** p)) / n;
  const std = Math.sqrt(m(2));
  const rms = Math.sqrt(sum(v.map((a) => a * a)) / n);
  const peak = Math.max(...v.map(Math.abs));
  const meanAbs = sum(v.map(Math.abs)) / n;
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
  return [
    mean,
    std,
    rms,
    peak,
    Math.max(...v) - Math.min(...v),
    ratio(peak, rms),
    ratio(m(3), std ** 3),
    ratio(m(4), std ** 4),
    ratio(rms, meanAbs),
    ratio(peak, meanAbs),
  ];
}

/** The six band energy fractions of the workload, by direct DFT. */
export function referenceBands(x: ArrayLike<number>): number[] {
  const n = x.length;
  const mean = sum(x) / n;
  const w = hann(n);
  const y = Float64Array.from({ length: n }, (_, i) => (x[i]! - mean) * w[i]!);
  const [re, im] = directDft(y, new Float64Array(n));
  const half = Math.floor(n / 2);
  const per = Math.floor(half / 6);
  const bands = [0, 0, 0, 0, 0, 0];
  for (let k = 1; k <= half; k++) {
    const b = per === 0 ? 5 : Math.min(Math.floor((k - 1) / per), 5);
    bands[b]! += re[k]! ** 2 + im[k]! ** 2;
  }
  const total = sum(bands);
  return bands.map((b) => (total > 0 ? b / total : 0));
}

export interface ReferenceEnvelope {
  envelope: Float64Array;
  /** Power of the envelope spectrum, bins 0 … N/2. */
  power: Float64Array;
  kurtosis: number;
  bandRmsRatio: number;
  binHz: number;
}

/** Envelope by direct DFT: band-passed analytic signal, its magnitude, the Hann-windowed spectrum. */
export function referenceEnvelope(
  x: ArrayLike<number>,
  fs: number,
  band: readonly [number, number],
): ReferenceEnvelope {
  const n = x.length;
  const mean = sum(x) / n;
  const [re, im] = directDft(
    Array.from(x, (v) => v - mean),
    new Float64Array(n),
  );
  const df = fs / n;
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  let total = 0;
  let inBand = 0;
  for (let k = 1; k < n; k++) {
    const f = (k <= n / 2 ? k : n - k) * df;
    const e = re[k]! ** 2 + im[k]! ** 2;
    total += e;
    if (f >= band[0] && f <= Math.min(band[1], fs / 2)) inBand += e;
  }
  for (let k = 0; k <= n / 2; k++) {
    const f = k * df;
    if (f < band[0] || f > band[1]) continue;
    const g = k === 0 || 2 * k === n ? 1 : 2;
    ar[k] = g * re[k]!;
    ai[k] = g * im[k]!;
  }
  const [zr, zi] = directDft(ar, ai, true);
  const envelope = Float64Array.from({ length: n }, (_, i) => Math.hypot(zr[i]!, zi[i]!));
  const em = sum(envelope) / n;
  const m2 = sum(envelope.map((e) => (e - em) ** 2)) / n;
  const m4 = sum(envelope.map((e) => (e - em) ** 4)) / n;
  const w = hann(n);
  const [sr, si] = directDft(
    envelope.map((e, i) => (e - em) * w[i]!),
    new Float64Array(n),
  );
  const power = Float64Array.from({ length: Math.floor(n / 2) + 1 }, (_, k) => sr[k]! ** 2 + si[k]! ** 2);
  return { envelope, power, kurtosis: m4 / (m2 * m2), bandRmsRatio: Math.sqrt(inBand / total), binHz: df };
}

/** sqrt(max power within ±2.5% (at least the two bins around hz) / median of the bins around). */
export function referenceLineRatio(env: ReferenceEnvelope, hz: number): number {
  const last = env.power.length - 1;
  const lo = Math.max(1, Math.floor((hz * 0.975) / env.binHz));
  const hi = Math.min(last, Math.ceil((hz * 1.025) / env.binHz));
  const peak = Math.max(...env.power.slice(lo, hi + 1));
  const reach = Math.max(8, Math.ceil((0.25 * hz) / env.binHz));
  const around: number[] = [];
  for (let k = Math.max(1, lo - reach); k <= Math.min(last, hi + reach); k++) {
    if (k < lo - 1 || k > hi + 1) around.push(env.power[k]!);
  }
  around.sort((a, b) => a - b);
  const mid = around.length >> 1;
  const median = around.length % 2 === 1 ? around[mid]! : (around[mid - 1]! + around[mid]!) / 2;
  return Math.sqrt(peak / median);
}

/** |a − b| ≤ rel·max(|b|, floor): a relative check that tolerates values near zero. */
export function close(a: number, b: number, rel: number, floor = 1e-9): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(b), floor);
}

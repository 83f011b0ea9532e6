/**
 * A learned picture of "normal" for one asset: per feature, the median and a robust scale
 * (1.4826 · the median absolute deviation, which equals the standard deviation for Gaussian
 * data but ignores outliers). A window's score is how far its features lie from the median in
 * those units, combined over the features by their largest value or their root mean square.
 */

export interface RobustBaseline {
  readonly features: readonly string[];
  readonly median: Float64Array;
  readonly scale: Float64Array;
  /** Rows it was fitted on. */
  readonly rows: number;
  readonly fittedAtMs: number;
}

const MAD_TO_SIGMA = 1.4826;
/** Mean absolute deviation → σ for Gaussian data (√(π/2)). */
const MEAN_AD_TO_SIGMA = 1.2533;

/**
 * Fits the baseline to `rows` row-major rows of `features.length` values. A feature whose MAD is
 * 0 (quantised or mostly constant) takes its mean absolute deviation instead, and a constant
 * feature a scale of 1e-6 · (|median| + 1), so that any later change scores high.
 */
export function fitRobustBaseline(
  X: Float32Array,
  rows: number,
  features: readonly string[],
  fittedAtMs: number,
): RobustBaseline {
  const d = features.length;
  const median = new Float64Array(d);
  const scale = new Float64Array(d);
  const col = new Float64Array(rows);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < rows; i++) col[i] = X[i * d + j]!;
    col.sort();
    const med = quantileSorted(col, 0.5);
    let meanAd = 0;
    for (let i = 0; i < rows; i++) {
      const a = Math.abs(col[i]! - med);
      meanAd += a;
      col[i] = a;
    }
    meanAd /= Math.max(1, rows);
    col.sort();
    let s = MAD_TO_SIGMA * quantileSorted(col, 0.5);
    const tiny = 1e-9 * (Math.abs(med) + 1);
    if (!(s > tiny)) s = MEAN_AD_TO_SIGMA * meanAd;
    if (!(s > tiny)) s = 1e-6 * (Math.abs(med) + 1);
    median[j] = med;
    scale[j] = s;
  }
  return { features: [...features], median, scale, rows, fittedAtMs };
}

function quantileSorted(a: Float64Array, q: number): number {
  if (a.length === 0) return Number.NaN;
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(a.length - 1, lo + 1);
  return a[lo]! + (a[hi]! - a[lo]!) * (pos - lo);
}

/** The window's anomaly score: max or rms over the features of |x − median| / scale. */
export function robustScore(b: RobustBaseline, row: Float32Array, combine: "max" | "rms"): number {
  let acc = 0;
  const d = b.median.length;
  for (let j = 0; j < d; j++) {
    const z = Math.abs(row[j]! - b.median[j]!) / b.scale[j]!;
    if (combine === "max") {
      if (z > acc) acc = z;
    } else acc += z * z;
  }
  return combine === "max" ? acc : Math.sqrt(acc / Math.max(1, d));
}

/** Probability of `anomaly` for a score: a logistic step of width `softness` centred on `threshold`. */
export function anomalyProbability(score: number, threshold: number, softness: number): number {
  if (!Number.isFinite(score)) return 1;
  return 1 / (1 + Math.exp(-(score - threshold) / softness));
}

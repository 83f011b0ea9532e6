/**
 * Histogram binning for the tree learners: every feature column is cut into at most `maxBins`
 * ordered bins once, before training, so that finding a split is a scan over bin totals instead
 * of a sort per node. Bin edges are float32 values, so a split "bin <= b" is exactly the test
 * "x <= threshold" that the plain-JS predictor and the ONNX tree operators apply.
 *
 * The default (MAX_BINS, 255: one byte per value) suits large data. Small tabular data whose
 * classes follow sharp thresholds in the tails (where equal-frequency bins are widest) may ask
 * for up to MAX_WIDE_BINS (two bytes per value): with as many bins as distinct values, every
 * split falls midway between two neighbouring training values, as in exact-split CART.
 */

/** A dense float32 matrix, row-major: `values[row * nFeatures + feature]`. */
export interface FeatureMatrix {
  readonly nRows: number;
  readonly nFeatures: number;
  readonly values: Float32Array;
}

export interface BinnedMatrix {
  readonly nRows: number;
  readonly nFeatures: number;
  /** Column-major bin indices: `bins[feature * nRows + row]`. NaN goes to bin `nBins[feature]`. */
  readonly bins: Uint8Array | Uint16Array;
  /** Real-valued bins per feature (the NaN bin is extra, at index nBins). */
  readonly nBins: Int32Array;
  /** Per feature, the threshold between bin b and b+1 (`edges[f][b]`), nBins-1 of them. */
  readonly edges: readonly Float32Array[];
}

export const MAX_BINS = 255;
/** The most bins a column may be asked for (indices then take two bytes). */
export const MAX_WIDE_BINS = 65535;

/** Build a matrix from rows of numbers, checking that every row has the same width. */
export function matrixFromRows(rows: readonly (ArrayLike<number> | readonly number[])[]): FeatureMatrix {
  const nRows = rows.length;
  const nFeatures = nRows > 0 ? rows[0]!.length : 0;
  const values = new Float32Array(nRows * nFeatures);
  rows.forEach((r, i) => {
    if (r.length !== nFeatures)
      throw new RangeError(`row ${i} has ${r.length} values, expected ${nFeatures}`);
    for (let j = 0; j < nFeatures; j++) values[i * nFeatures + j] = r[j]!;
  });
  return { nRows, nFeatures, values };
}

/** A float32 value strictly between a and b when one exists, else a (so that a <= t < b). */
function splitPoint(a: number, b: number): number {
  const mid = Math.fround((a + b) / 2);
  return mid >= a && mid < b ? mid : a;
}

/** Edges for one column: one bin per distinct value when few, else equal-frequency bins. */
function columnEdges(sorted: Float32Array, maxBins: number): Float32Array {
  const n = sorted.length;
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]! += 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push(splitPoint(distinct[i]!, distinct[i + 1]!));
    return Float32Array.from(edges);
  }
  // Equal-frequency cuts that never split a distinct value.
  let cumulative = 0;
  let nextTarget = n / maxBins;
  for (let i = 0; i + 1 < distinct.length && edges.length < maxBins - 1; i++) {
    cumulative += counts[i]!;
    if (cumulative >= nextTarget) {
      edges.push(splitPoint(distinct[i]!, distinct[i + 1]!));
      nextTarget = cumulative + (n - cumulative) / (maxBins - edges.length);
    }
  }
  return Float32Array.from(edges);
}

/** Index of the bin holding v: the first b with v <= edges[b], or edges.length. */
export function binOf(edges: Float32Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bin every column of `m` (deterministic: depends on the values only). */
export function binMatrix(m: FeatureMatrix, maxBins = MAX_BINS): BinnedMatrix {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_WIDE_BINS) {
    throw new RangeError(`maxBins must be an integer in 2..${MAX_WIDE_BINS}, got ${maxBins}`);
  }
  const { nRows, nFeatures, values } = m;
  const bins = maxBins > MAX_BINS ? new Uint16Array(nRows * nFeatures) : new Uint8Array(nRows * nFeatures);
  const nBins = new Int32Array(nFeatures);
  const edges: Float32Array[] = [];
  const column = new Float32Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    let finite = 0;
    for (let i = 0; i < nRows; i++) {
      const v = values[i * nFeatures + f]!;
      if (!Number.isNaN(v)) column[finite++] = v;
    }
    const sorted = column.subarray(0, finite).slice().sort();
    const e = columnEdges(sorted, maxBins);
    edges.push(e);
    nBins[f] = e.length + 1;
    const base = f * nRows;
    for (let i = 0; i < nRows; i++) {
      const v = values[i * nFeatures + f]!;
      bins[base + i] = Number.isNaN(v) ? e.length + 1 : binOf(e, v);
    }
  }
  return { nRows, nFeatures, bins, nBins, edges };
}

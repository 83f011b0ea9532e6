import { binIndex, MAX_BINS } from "../quality/training-bins.js";

/**
 * The `featureBins` training statistics of a model's manifest (see src/quality/training-bins.ts):
 * per feature, quantile cut points over the training rows and the share of rows in each bin,
 * counted with the same rule the agent uses. Training scripts add them with one line:
 *
 *   trainingStats: { featureBins: featureBins(train.X, train.names) },
 */

export interface FeatureBinsJson {
  readonly edges: number[];
  readonly shares: number[];
  readonly rows: number;
}

/** Keeps manifests stable and short: 5 significant digits. */
const tidy = (v: number) => Number(v.toPrecision(5));

/**
 * Bins of each column of a row-major matrix `X` (rows × names.length): up to `bins` quantile
 * bins (ties merged, so a feature with few values gets fewer), non-finite values ignored.
 */
export function featureBins(
  X: ArrayLike<number>,
  names: readonly string[],
  bins = 10,
): Record<string, FeatureBinsJson> {
  if (bins < 2 || bins > MAX_BINS) throw new RangeError(`bins must be within 2..${MAX_BINS}, got ${bins}`);
  const d = names.length;
  const n = d === 0 ? 0 : Math.floor(X.length / d);
  const out: Record<string, FeatureBinsJson> = {};
  const col = new Float64Array(n);
  names.forEach((name, j) => {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = X[i * d + j]!;
      if (Number.isFinite(v)) col[m++] = v;
    }
    if (m === 0) return;
    const sorted = col.subarray(0, m).sort();
    const edges: number[] = [];
    for (let k = 1; k < bins; k++) {
      const e = tidy(sorted[Math.min(m - 1, Math.floor((k * m) / bins))]!);
      if (e > sorted[0]! && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
    }
    const e64 = Float64Array.from(edges);
    const counts = new Float64Array(edges.length + 1);
    for (let i = 0; i < m; i++) counts[binIndex(e64, sorted[i]!)]! += 1;
    out[name] = { edges, shares: Array.from(counts, (c) => tidy(c / m)), rows: m };
  });
  return out;
}

/**
 * Per class, the share of that class's training rows in each bin of `bins` (same edges), for
 * drift checks against the class the model predicts: `classBins.<label>.<feature> = shares`.
 * Classes without rows are left out.
 */
export function classBins(
  X: ArrayLike<number>,
  names: readonly string[],
  y: ArrayLike<number>,
  labels: readonly string[],
  bins: Record<string, FeatureBinsJson>,
): Record<string, Record<string, number[]>> {
  const d = names.length;
  const out: Record<string, Record<string, number[]>> = {};
  labels.forEach((label, c) => {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) rows.push(i);
    if (rows.length === 0) return;
    const perFeature: Record<string, number[]> = {};
    names.forEach((name, j) => {
      const b = bins[name];
      if (b === undefined) return;
      const edges = Float64Array.from(b.edges);
      const counts = new Float64Array(b.shares.length);
      let m = 0;
      for (const i of rows) {
        const v = X[i * d + j]!;
        if (!Number.isFinite(v)) continue;
        counts[binIndex(edges, v)]! += 1;
        m++;
      }
      if (m > 0) perFeature[name] = Array.from(counts, (n) => tidy(n / m));
    });
    out[label] = perFeature;
  });
  return out;
}

/**
 * The drift statistics a training script puts in `trainingStats` (spread it in): bins over all
 * training rows and, with labels, the shares of each class.
 */
export function driftStats(
  X: ArrayLike<number>,
  names: readonly string[],
  y?: ArrayLike<number>,
  labels?: readonly string[],
): { featureBins: Record<string, FeatureBinsJson>; classBins?: Record<string, Record<string, number[]>> } {
  const bins = featureBins(X, names);
  if (y === undefined || labels === undefined) return { featureBins: bins };
  return { featureBins: bins, classBins: classBins(X, names, y, labels, bins) };
}

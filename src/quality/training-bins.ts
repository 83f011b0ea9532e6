/**
 * Training statistics for drift checks: per feature, the cut points of quantile bins over the
 * training rows and the share of training rows in each bin.
 *
 * manifest.json:
 * ```json
 * "trainingStats": {
 *   "featureBins": {
 *     "<feature spec>": { "edges": [e1, …, eK-1], "shares": [s0, …, sK-1], "rows": 3880 }
 *   }
 * }
 * ```
 * With `"classBins": { "<label>": { "<feature spec>": [shares…] } }` (the same edges, the shares
 * of that class's training rows), drift is measured per predicted class: a model trained on a
 * mixture of healthy and faulty machines sees one machine at a time, which is no drift.
 * A value x falls in bin i = the number of edges ≤ x (edges strictly increasing, so bin 0 is
 * x < e1 and bin K-1 is x ≥ eK-1); shares sum to 1. Manifests written before this format carry
 * `featureQuantiles` or `quantiles` with `p01`, `p50` and `p99`: those read as four bins with
 * shares 0.01, 0.49, 0.49 and 0.01.
 */

export interface FeatureBins {
  readonly edges: Float64Array;
  readonly shares: Float64Array;
}

/** Bins of the manifest's features that have them (features without stay absent). */
export type TrainingBins = ReadonlyMap<string, FeatureBins>;

/** Per feature, the shares of each class (in the model's label order; null when that class has none). */
export type ClassShares = ReadonlyMap<string, readonly (Float64Array | null)[]>;

/** Most bins a feature may have (bin indices are kept in a Uint8Array). */
export const MAX_BINS = 64;

/** Bin of x: the number of edges ≤ x (binary search; NaN falls in bin 0). */
export function binIndex(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Floor for a bin's share, so that an empty bin gives a large but finite index. */
export const PSI_FLOOR = 1e-4;

/**
 * Population stability index of `counts` (observed rows per bin, `total` rows) against the
 * expected shares: Σ (a − e)·ln(a / e), both floored at PSI_FLOOR. 0 when alike; by the usual
 * reading < 0.1 stable, 0.1-0.25 moderate, > 0.25 a significant shift.
 */
export function psi(
  expected: Float64Array,
  counts: Int32Array | Float64Array,
  offset: number,
  total: number,
): number {
  if (total <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(PSI_FLOOR, expected[i]!);
    const a = Math.max(PSI_FLOOR, counts[offset + i]! / total);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

function finiteArray(v: unknown): number[] | null {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) return null;
  return v as number[];
}

function fromEdgesShares(edges: number[], shares: number[]): FeatureBins | string {
  if (shares.length !== edges.length + 1)
    return `${shares.length} shares for ${edges.length} edges (need edges + 1)`;
  if (shares.length > MAX_BINS) return `${shares.length} bins (at most ${MAX_BINS})`;
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i]! > edges[i - 1]!)) return "edges must increase strictly";
  }
  const sum = shares.reduce((a, b) => a + b, 0);
  if (shares.some((s) => s < 0) || Math.abs(sum - 1) > 0.01)
    return `shares must be ≥ 0 and sum to 1 (sum ${sum})`;
  return { edges: Float64Array.from(edges), shares: Float64Array.from(shares.map((s) => s / sum)) };
}

/** p01/p50/p99 quantiles as four bins (ties merged). */
function fromPercentiles(q: Record<string, unknown>): FeatureBins | string {
  const p = [q.p01, q.p50, q.p99];
  if (!p.every((x) => typeof x === "number" && Number.isFinite(x))) return "needs p01, p50 and p99";
  const [a, b, c] = p as [number, number, number];
  const edges: number[] = [];
  const shares: number[] = [];
  let pending = 0.01;
  for (const [edge, next] of [
    [a, 0.49],
    [b, 0.49],
    [c, 0.01],
  ] as const) {
    if (edges.length > 0 && edge <= edges[edges.length - 1]!) {
      pending += next;
      continue;
    }
    edges.push(edge);
    shares.push(pending);
    pending = next;
  }
  shares.push(pending);
  return fromEdgesShares(edges, shares);
}

/**
 * The training bins in a manifest's `trainingStats` (any of the formats above), and one
 * message per feature entry that could not be read. Features without an entry are not checked.
 */
export function trainingBinsOf(
  trainingStats: Record<string, unknown> | undefined,
  labels: readonly string[] = [],
): {
  bins: Map<string, FeatureBins>;
  classShares: Map<string, (Float64Array | null)[]>;
  problems: string[];
} {
  const bins = new Map<string, FeatureBins>();
  const classShares = new Map<string, (Float64Array | null)[]>();
  const problems: string[] = [];
  if (trainingStats === undefined) return { bins, classShares, problems };
  const binned = trainingStats.featureBins;
  if (binned !== null && typeof binned === "object") {
    for (const [feature, v] of Object.entries(binned as Record<string, unknown>)) {
      const o = (v ?? {}) as Record<string, unknown>;
      const edges = finiteArray(o.edges);
      const shares = finiteArray(o.shares);
      const got =
        edges && shares ? fromEdgesShares(edges, shares) : "needs edges and shares (arrays of numbers)";
      if (typeof got === "string") problems.push(`trainingStats.featureBins.${feature}: ${got}`);
      else bins.set(feature, got);
    }
  }
  for (const key of ["featureQuantiles", "quantiles"]) {
    const q = trainingStats[key];
    if (q === null || typeof q !== "object") continue;
    for (const [feature, v] of Object.entries(q as Record<string, unknown>)) {
      if (bins.has(feature)) continue;
      const got = fromPercentiles((v ?? {}) as Record<string, unknown>);
      if (typeof got === "string") problems.push(`trainingStats.${key}.${feature}: ${got}`);
      else bins.set(feature, got);
    }
  }
  const byClass = trainingStats.classBins;
  if (byClass !== null && typeof byClass === "object" && labels.length > 0) {
    for (const [label, perFeature] of Object.entries(byClass as Record<string, unknown>)) {
      const c = labels.indexOf(label);
      if (c < 0) {
        problems.push(`trainingStats.classBins.${label}: not one of the model's labels`);
        continue;
      }
      for (const [feature, v] of Object.entries((perFeature ?? {}) as Record<string, unknown>)) {
        const b = bins.get(feature);
        const shares = finiteArray(v);
        const sum = shares?.reduce((a, x) => a + x, 0) ?? 0;
        if (
          b === undefined ||
          shares === null ||
          shares.length !== b.shares.length ||
          Math.abs(sum - 1) > 0.01
        ) {
          problems.push(
            `trainingStats.classBins.${label}.${feature}: needs one share per bin of featureBins.${feature}, summing to 1`,
          );
          continue;
        }
        const row = classShares.get(feature) ?? labels.map(() => null);
        row[c] = Float64Array.from(shares, (x) => x / sum);
        classShares.set(feature, row);
      }
    }
  }
  return { bins, classShares, problems };
}

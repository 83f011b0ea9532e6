/**
 * One CART tree on histogram-binned features, grown depth-first from per-row gradients and
 * hessians (one pair per output). The same grower serves both learners:
 * - gradient boosting passes the loss's gradients and hessians; a leaf holds -G/(H+λ);
 * - a random forest passes g = -target, h = 1, λ = 0; a leaf then holds the mean target
 *   (class probabilities for one-hot targets) and the gain is the squared-error (Gini) decrease.
 * Ties between equal gains go to the lower feature and the lower bin, so a seed fixes the tree.
 */

import type { Rand } from "./prng.js";
import type { Tree } from "./tree-model.js";
import type { BinnedMatrix } from "./trees-binning.js";

export interface GrowOptions {
  readonly maxDepth: number;
  /** Rows (counting bootstrap repeats) each child must hold at least. */
  readonly minSamplesLeaf: number;
  /** Sum of hessians (averaged over outputs) each child must hold at least. */
  readonly minChildWeight: number;
  /** L2 regularisation of leaf values. */
  readonly lambda: number;
  /** A split must gain more than this. */
  readonly minGain: number;
  /** Features tried per node (random forest); all allowed features when undefined. */
  readonly featuresPerNode?: number;
  /** Multiplies every leaf value (the learning rate). */
  readonly leafScale: number;
}

export interface GrowInput {
  readonly binned: BinnedMatrix;
  readonly nOutputs: number;
  /** `grad[row * nOutputs + k]`, likewise `hess`. */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** Rows this tree learns from; repeats count as weights (bootstrap). Reordered in place. */
  readonly rows: Int32Array;
  /** Features this tree may split on. */
  readonly features: Int32Array;
  readonly rand: Rand;
}

export interface GrownTree {
  readonly tree: Tree;
  /** The bin each inner node splits at (left when bin <= splitBin), -1 for leaves. */
  readonly splitBin: Int32Array;
  /** Gain of every split, `gain[feature * nOutputs + k]`, summed over the tree. */
  readonly gain: Float64Array;
}

/** Nodes with fewer rows build the histograms of the features they try directly. */
const SUBTRACT_MIN_ROWS = 1024;

interface NodeArrays {
  readonly feature: number[];
  readonly threshold: number[];
  readonly splitBin: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
}

/** Grow one tree. */
export function growTree(input: GrowInput, opts: GrowOptions): GrownTree {
  const { binned, nOutputs: K, grad, hess, rows, features, rand } = input;
  const { nRows, nBins, bins } = binned;
  const stride = 2 * K + 1;
  // Histogram layout: per allowed feature, (nBins + 1) bins (the last for NaN) × [G_k.., H_k.., count].
  const histOffset = new Int32Array(features.length + 1);
  for (let j = 0; j < features.length; j++)
    histOffset[j + 1] = histOffset[j]! + (nBins[features[j]!]! + 1) * stride;
  const histSize = histOffset[features.length]!;
  const out: NodeArrays = { feature: [], threshold: [], splitBin: [], left: [], right: [], value: [] };
  const gain = new Float64Array(binned.nFeatures * K);
  const totals = new Float64Array(stride);
  const leftSums = new Float64Array(stride);
  const candidates = Int32Array.from(features.keys());
  const perNode = Math.min(opts.featuresPerNode ?? features.length, features.length);

  /** Histograms of features `js` (indices into `features`) over rows[start, end), into h. */
  const fillHist = (h: Float64Array, start: number, end: number, js: ArrayLike<number>): void => {
    for (let t = 0; t < js.length; t++) {
      const j = js[t]!;
      const col = features[j]! * nRows;
      const base = histOffset[j]!;
      h.fill(0, base, histOffset[j + 1]!);
      for (let p = start; p < end; p++) {
        const r = rows[p]!;
        const o = base + bins[col + r]! * stride;
        for (let k = 0; k < K; k++) {
          h[o + k]! += grad[r * K + k]!;
          h[o + K + k]! += hess[r * K + k]!;
        }
        h[o + 2 * K]! += 1;
      }
    }
  };
  const allJ = Int32Array.from(features.keys());
  const fullHist = (start: number, end: number): Float64Array => {
    const h = new Float64Array(histSize);
    fillHist(h, start, end, allJ);
    return h;
  };
  // Small nodes build the histograms of the features they try into one reused buffer; large
  // nodes keep full histograms so that a child's is the parent's minus its sibling's.
  const scratch = new Float64Array(histSize);

  const score = (s: Float64Array, k: number): number => {
    const g = s[k]!;
    return (g * g) / (s[K + k]! + opts.lambda);
  };

  const addLeaf = (): number => {
    const id = out.feature.length;
    out.feature.push(-1);
    out.threshold.push(0);
    out.splitBin.push(-1);
    out.left.push(-1);
    out.right.push(-1);
    for (let k = 0; k < K; k++) {
      const v = -totals[k]! / (totals[K + k]! + opts.lambda);
      out.value.push(Number.isFinite(v) ? v * opts.leafScale : 0);
    }
    return id;
  };

  /** `full` is the node's full histogram when the parent could pass one down, else null. */
  const grow = (start: number, end: number, full: Float64Array | null, depth: number): number => {
    totals.fill(0);
    for (let p = start; p < end; p++) accumulateRow(totals, rows[p]!);
    const nodeCount = end - start;
    if (depth >= opts.maxDepth || nodeCount < 2 * opts.minSamplesLeaf) return addLeaf();

    // Sample the node's features (partial Fisher-Yates), then scan them in feature order.
    if (perNode < features.length) {
      for (let i = 0; i < perNode; i++) {
        const j = i + Math.floor(rand() * (candidates.length - i));
        const t = candidates[i]!;
        candidates[i] = candidates[j]!;
        candidates[j] = t;
      }
    }
    const tried = Int32Array.from(candidates.subarray(0, perNode)).sort();
    let hist = full;
    if (hist === null) {
      fillHist(scratch, start, end, tried);
      hist = scratch;
    }
    let parentScore = 0;
    for (let k = 0; k < K; k++) parentScore += score(totals, k);
    let bestGain = opts.minGain;
    let bestJ = -1;
    let bestBin = -1;
    for (const j of tried) {
      const base = histOffset[j]!;
      const nb = nBins[features[j]!]!;
      leftSums.fill(0);
      for (let b = 0; b + 1 < nb; b++) {
        const o = base + b * stride;
        for (let s = 0; s < stride; s++) leftSums[s]! += hist[o + s]!;
        const nLeft = leftSums[2 * K]!;
        const nRight = nodeCount - nLeft;
        if (nLeft < opts.minSamplesLeaf) continue;
        if (nRight < opts.minSamplesLeaf) break;
        let hLeft = 0;
        let hTotal = 0;
        for (let k = 0; k < K; k++) {
          hLeft += leftSums[K + k]!;
          hTotal += totals[K + k]!;
        }
        if (hLeft / K < opts.minChildWeight || (hTotal - hLeft) / K < opts.minChildWeight) continue;
        let g = -parentScore;
        for (let k = 0; k < K; k++) {
          const gl = leftSums[k]!;
          const gr = totals[k]! - gl;
          g +=
            (gl * gl) / (leftSums[K + k]! + opts.lambda) +
            (gr * gr) / (totals[K + k]! - leftSums[K + k]! + opts.lambda);
        }
        if (g > bestGain) {
          bestGain = g;
          bestJ = j;
          bestBin = b;
        }
      }
    }
    if (bestJ < 0) return addLeaf();

    const f = features[bestJ]!;
    recordGain(f, bestJ, bestBin, hist);
    // Partition rows[start, end) so the left child comes first.
    const col = f * nRows;
    let mid = start;
    for (let p = start; p < end; p++) {
      const r = rows[p]!;
      if (bins[col + r]! <= bestBin) {
        rows[p] = rows[mid]!;
        rows[mid++] = r;
      }
    }
    const id = out.feature.length;
    out.feature.push(f);
    out.threshold.push(binned.edges[f]![bestBin]!);
    out.splitBin.push(bestBin);
    out.left.push(-1);
    out.right.push(-1);
    for (let k = 0; k < K; k++) out.value.push(0);
    // A large child gets a full histogram: the parent's minus its smaller sibling's (built).
    const leftSmaller = mid - start <= end - mid;
    const larger = leftSmaller ? end - mid : mid - start;
    let leftHist: Float64Array | null = null;
    let rightHist: Float64Array | null = null;
    if (full !== null && larger >= SUBTRACT_MIN_ROWS) {
      const small = leftSmaller ? fullHist(start, mid) : fullHist(mid, end);
      for (let i = 0; i < histSize; i++) full[i]! -= small[i]!;
      const smallKeeps = Math.min(mid - start, end - mid) >= SUBTRACT_MIN_ROWS;
      leftHist = leftSmaller ? (smallKeeps ? small : null) : full;
      rightHist = leftSmaller ? full : smallKeeps ? small : null;
    }
    out.left[id] = grow(start, mid, leftHist, depth + 1);
    out.right[id] = grow(mid, end, rightHist, depth + 1);
    return id;
  };

  function accumulateRow(t: Float64Array, r: number): void {
    for (let k = 0; k < K; k++) {
      t[k]! += grad[r * K + k]!;
      t[K + k]! += hess[r * K + k]!;
    }
    t[2 * K]! += 1;
  }

  function recordGain(f: number, j: number, bin: number, hist: Float64Array): void {
    leftSums.fill(0);
    const base = histOffset[j]!;
    for (let b = 0; b <= bin; b++)
      for (let s = 0; s < stride; s++) leftSums[s]! += hist[base + b * stride + s]!;
    for (let k = 0; k < K; k++) {
      const gl = leftSums[k]!;
      const gr = totals[k]! - gl;
      const part =
        (gl * gl) / (leftSums[K + k]! + opts.lambda) +
        (gr * gr) / (totals[K + k]! - leftSums[K + k]! + opts.lambda) -
        score(totals, k);
      gain[f * K + k]! += part;
    }
  }

  grow(0, rows.length, rows.length >= SUBTRACT_MIN_ROWS ? fullHist(0, rows.length) : null, 0);
  const tree: Tree = {
    feature: Int32Array.from(out.feature),
    threshold: Float32Array.from(out.threshold),
    left: Int32Array.from(out.left),
    right: Int32Array.from(out.right),
    value: Float32Array.from(out.value),
  };
  return { tree, splitBin: Int32Array.from(out.splitBin), gain };
}

/** Leaf index a training row falls in, walking the bins (exactly the threshold walk on its values). */
export function leafOfBinnedRow(g: GrownTree, binned: BinnedMatrix, row: number): number {
  const { feature, left, right } = g.tree;
  let node = 0;
  while (feature[node]! >= 0) {
    const b = binned.bins[feature[node]! * binned.nRows + row]!;
    node = b <= g.splitBin[node]! ? left[node]! : right[node]!;
  }
  return node;
}

/**
 * Gradient-boosted trees (second-order, XGBoost-style leaves) on histogram-binned features:
 * multi-class softmax (one vector-valued tree per round), binary logistic, or squared error.
 * Row subsampling per round and feature subsampling per tree draw from a seeded mulberry32, so a
 * seed fixes the model. Optional early stopping on a validation set keeps the best round.
 */

import { mulberry32, permutation, type Rand } from "./prng.js";
import type { Tree, TreeEnsemble } from "./tree-model.js";
import { binMatrix, type FeatureMatrix, MAX_BINS } from "./trees-binning.js";
import { type GrownTree, growTree, leafOfBinnedRow } from "./trees-grow.js";
import { leafIndex } from "./tree-predict.js";

export type BoostingObjective = "softmax" | "logistic" | "squared";

export interface BoostingOptions {
  readonly objective: BoostingObjective;
  /** Number of classes for softmax (default: largest label + 1). */
  readonly nClasses?: number;
  readonly labels?: readonly string[];
  readonly nRounds?: number;
  readonly learningRate?: number;
  readonly maxDepth?: number;
  readonly minSamplesLeaf?: number;
  readonly minChildWeight?: number;
  readonly lambda?: number;
  readonly minGain?: number;
  /** Share of rows drawn (without replacement) for each round. */
  readonly subsample?: number;
  /** Share of features each tree may split on. */
  readonly colsample?: number;
  /** Bins per feature: default MAX_BINS (255), up to MAX_WIDE_BINS (see trees-binning.ts). */
  readonly maxBins?: number;
  readonly seed?: number;
  readonly validation?: { readonly x: FeatureMatrix; readonly y: ArrayLike<number> };
  /** Stop when the validation loss has not improved for this many rounds (needs `validation`). */
  readonly earlyStoppingRounds?: number;
}

export interface TrainedTrees {
  readonly ensemble: TreeEnsemble;
  /** Split gain per feature and output, `gain[feature * nOutputs + k]`, summed over the trees. */
  readonly gainImportance: Float64Array;
  /** Validation loss after each round (empty without a validation set). */
  readonly validationLoss: readonly number[];
}

/** Pick `count` of 0..n-1 at random, returned in ascending order. */
export function sampleIndices(n: number, count: number, rand: Rand): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return permutation(n, rand).subarray(0, count).sort();
}

interface Loss {
  readonly K: number;
  readonly base: number[];
  /** Gradients and hessians of rows `from F` (n × K) into g, h. */
  gradients(F: Float64Array, y: ArrayLike<number>, g: Float64Array, h: Float64Array): void;
  /** Mean loss of scores F against y. */
  loss(F: Float64Array, y: ArrayLike<number>): number;
}

function makeLoss(objective: BoostingObjective, y: ArrayLike<number>, nClasses: number): Loss {
  const n = y.length;
  if (objective === "squared") {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    mean /= Math.max(n, 1);
    return {
      K: 1,
      base: [mean],
      gradients: (F, yy, g, h) => {
        for (let i = 0; i < yy.length; i++) {
          g[i] = F[i]! - yy[i]!;
          h[i] = 1;
        }
      },
      loss: (F, yy) => {
        let s = 0;
        for (let i = 0; i < yy.length; i++) s += (F[i]! - yy[i]!) ** 2;
        return s / Math.max(yy.length, 1);
      },
    };
  }
  if (objective === "logistic") {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]! > 0.5 ? 1 : 0;
    const p = Math.min(Math.max(pos / Math.max(n, 1), 1e-6), 1 - 1e-6);
    return {
      K: 1,
      base: [Math.log(p / (1 - p))],
      gradients: (F, yy, g, h) => {
        for (let i = 0; i < yy.length; i++) {
          const q = 1 / (1 + Math.exp(-F[i]!));
          g[i] = q - (yy[i]! > 0.5 ? 1 : 0);
          h[i] = Math.max(q * (1 - q), 1e-6);
        }
      },
      loss: (F, yy) => {
        let s = 0;
        for (let i = 0; i < yy.length; i++) {
          const q = Math.min(Math.max(1 / (1 + Math.exp(-F[i]!)), 1e-15), 1 - 1e-15);
          s -= yy[i]! > 0.5 ? Math.log(q) : Math.log(1 - q);
        }
        return s / Math.max(yy.length, 1);
      },
    };
  }
  const K = nClasses;
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) counts[y[i]!]! += 1;
  const softmaxRow = (F: Float64Array, i: number, p: Float64Array): void => {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) max = Math.max(max, F[i * K + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += p[k] = Math.exp(F[i * K + k]! - max);
    for (let k = 0; k < K; k++) p[k]! /= sum;
  };
  const p = new Float64Array(K);
  return {
    K,
    base: Array.from(counts, (c) => Math.log(Math.max(c / Math.max(n, 1), 1e-6))),
    gradients: (F, yy, g, h) => {
      for (let i = 0; i < yy.length; i++) {
        softmaxRow(F, i, p);
        for (let k = 0; k < K; k++) {
          const pk = p[k]!;
          g[i * K + k] = pk - (yy[i] === k ? 1 : 0);
          h[i * K + k] = Math.max(pk * (1 - pk), 1e-6);
        }
      }
    },
    loss: (F, yy) => {
      let s = 0;
      for (let i = 0; i < yy.length; i++) {
        softmaxRow(F, i, p);
        s -= Math.log(Math.max(p[yy[i]!]!, 1e-15));
      }
      return s / Math.max(yy.length, 1);
    },
  };
}

function checkLabels(objective: BoostingObjective, y: ArrayLike<number>, nClasses: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`target of row ${i} is not finite`);
    if (objective === "softmax" && (!Number.isInteger(v) || v < 0 || v >= nClasses)) {
      throw new RangeError(`class of row ${i} is ${v}, expected an integer in 0..${nClasses - 1}`);
    }
  }
}

/** Train a boosted ensemble. `y` holds class indices (softmax), 0/1 (logistic) or values (squared). */
export function trainGradientBoosting(
  x: FeatureMatrix,
  y: ArrayLike<number>,
  opts: BoostingOptions,
): TrainedTrees {
  if (y.length !== x.nRows) throw new RangeError(`${x.nRows} rows but ${y.length} targets`);
  let maxLabel = 0;
  for (let i = 0; i < y.length; i++) maxLabel = Math.max(maxLabel, y[i]!);
  const nClasses = opts.objective === "softmax" ? (opts.nClasses ?? maxLabel + 1) : 1;
  checkLabels(opts.objective, y, nClasses);
  const loss = makeLoss(opts.objective, y, nClasses);
  const K = loss.K;
  const n = x.nRows;
  const rand = mulberry32(opts.seed ?? 1);
  const binned = binMatrix(x, opts.maxBins ?? MAX_BINS);
  const growOpts = {
    maxDepth: opts.maxDepth ?? 4,
    minSamplesLeaf: opts.minSamplesLeaf ?? 5,
    minChildWeight: opts.minChildWeight ?? 1e-3,
    lambda: opts.lambda ?? 1,
    minGain: opts.minGain ?? 1e-9,
    leafScale: opts.learningRate ?? 0.1,
  };
  const F = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) F[i * K + k] = loss.base[k]!;
  const val = opts.validation;
  const Fv = new Float64Array((val?.x.nRows ?? 0) * K);
  for (let i = 0; i < Fv.length; i++) Fv[i] = loss.base[i % K]!;
  const g = new Float64Array(n * K);
  const h = new Float64Array(n * K);
  const trees: Tree[] = [];
  const gains: Float64Array[] = [];
  const validationLoss: number[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, rounds: 0 };
  const nRounds = opts.nRounds ?? 200;
  const nRowsPerRound = Math.max(1, Math.round(n * (opts.subsample ?? 1)));
  const nFeaturesPerTree = Math.max(1, Math.round(x.nFeatures * (opts.colsample ?? 1)));
  for (let round = 0; round < nRounds; round++) {
    loss.gradients(F, y, g, h);
    const rows = sampleIndices(n, nRowsPerRound, rand);
    const features = sampleIndices(x.nFeatures, nFeaturesPerTree, rand);
    const grown: GrownTree = growTree(
      { binned, nOutputs: K, grad: g, hess: h, rows, features, rand },
      growOpts,
    );
    trees.push(grown.tree);
    gains.push(grown.gain);
    for (let i = 0; i < n; i++) {
      const leaf = leafOfBinnedRow(grown, binned, i);
      for (let k = 0; k < K; k++) F[i * K + k]! += grown.tree.value[leaf * K + k]!;
    }
    if (val !== undefined) {
      for (let i = 0; i < val.x.nRows; i++) {
        const leaf = leafIndex(grown.tree, val.x.values, i * val.x.nFeatures);
        for (let k = 0; k < K; k++) Fv[i * K + k]! += grown.tree.value[leaf * K + k]!;
      }
      const l = loss.loss(Fv, val.y);
      validationLoss.push(l);
      if (l < best.loss) best = { loss: l, rounds: round + 1 };
      else if (opts.earlyStoppingRounds !== undefined && round + 1 - best.rounds >= opts.earlyStoppingRounds)
        break;
    }
  }
  const kept = val !== undefined && opts.earlyStoppingRounds !== undefined ? best.rounds : trees.length;
  const gainImportance = new Float64Array(x.nFeatures * K);
  for (const gg of gains.slice(0, kept)) for (let i = 0; i < gg.length; i++) gainImportance[i]! += gg[i]!;
  const kind = opts.objective === "squared" ? "regressor" : "classifier";
  const ensemble: TreeEnsemble = {
    kind,
    nFeatures: x.nFeatures,
    nOutputs: K,
    trees: trees.slice(0, kept),
    baseValues: loss.base,
    aggregate: "SUM",
    postTransform:
      opts.objective === "softmax" ? "SOFTMAX" : opts.objective === "logistic" ? "LOGISTIC" : "NONE",
    ...(opts.labels !== undefined ? { labels: [...opts.labels] } : {}),
  };
  return { ensemble, gainImportance, validationLoss };
}

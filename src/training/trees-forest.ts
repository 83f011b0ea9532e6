/**
 * Random forest on histogram-binned features: each tree learns from a bootstrap sample (drawn
 * with a seeded mulberry32) and tries a random subset of the features at each node. Leaves hold
 * class probabilities (classifier, Gini splits) or mean values (regressor, variance splits); the
 * ensemble AVERAGEs them, so the output is directly a probability vector or a value.
 */

import { mulberry32 } from "./prng.js";
import type { Tree, TreeEnsemble } from "./tree-model.js";
import { binMatrix, type FeatureMatrix, MAX_BINS } from "./trees-binning.js";
import type { TrainedTrees } from "./trees-boosting.js";
import { growTree } from "./trees-grow.js";

export interface ForestOptions {
  readonly task: "classifier" | "regressor";
  /** Classes of a classifier (default: largest label + 1). */
  readonly nClasses?: number;
  readonly labels?: readonly string[];
  readonly nTrees?: number;
  readonly maxDepth?: number;
  readonly minSamplesLeaf?: number;
  /** Features tried per node: a count, a share (0, 1), or "sqrt" / "third" of all (the defaults). */
  readonly featuresPerNode?: number | "sqrt" | "third" | "all";
  /** Draw a bootstrap sample per tree (default true); otherwise every tree sees every row. */
  readonly bootstrap?: boolean;
  /** Size of the bootstrap sample as a share of the rows. */
  readonly sampleFraction?: number;
  readonly minGain?: number;
  /** Bins per feature: default MAX_BINS (255), up to MAX_WIDE_BINS (see trees-binning.ts). */
  readonly maxBins?: number;
  readonly seed?: number;
}

function resolveFeaturesPerNode(
  spec: ForestOptions["featuresPerNode"],
  nFeatures: number,
  task: string,
): number {
  const s = spec ?? (task === "classifier" ? "sqrt" : "third");
  let m: number;
  if (s === "sqrt") m = Math.round(Math.sqrt(nFeatures));
  else if (s === "third") m = Math.round(nFeatures / 3);
  else if (s === "all") m = nFeatures;
  else m = s > 0 && s < 1 ? Math.round(s * nFeatures) : Math.round(s);
  return Math.min(Math.max(m, 1), nFeatures);
}

/** Train a random forest. `y` holds class indices (classifier) or values (regressor). */
export function trainRandomForest(x: FeatureMatrix, y: ArrayLike<number>, opts: ForestOptions): TrainedTrees {
  const n = x.nRows;
  if (y.length !== n) throw new RangeError(`${n} rows but ${y.length} targets`);
  if (n === 0) throw new RangeError("no rows to train on");
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`target of row ${i} is not finite`);
    if (opts.task === "classifier" && (!Number.isInteger(v) || v < 0)) {
      throw new RangeError(`class of row ${i} is ${v}, expected a non-negative integer`);
    }
    maxLabel = Math.max(maxLabel, v);
  }
  const K = opts.task === "classifier" ? (opts.nClasses ?? maxLabel + 1) : 1;
  if (opts.task === "classifier" && maxLabel >= K)
    throw new RangeError(`class ${maxLabel} but nClasses is ${K}`);
  // Gini / variance splits as squared error: g = -target, h = 1, λ = 0 → leaf = mean target.
  const grad = new Float64Array(n * K);
  const hess = new Float64Array(n * K).fill(1);
  for (let i = 0; i < n; i++) {
    if (opts.task === "classifier") grad[i * K + y[i]!] = -1;
    else grad[i] = -y[i]!;
  }
  const binned = binMatrix(x, opts.maxBins ?? MAX_BINS);
  const rand = mulberry32(opts.seed ?? 1);
  const allFeatures = Int32Array.from({ length: x.nFeatures }, (_, i) => i);
  const growOpts = {
    maxDepth: opts.maxDepth ?? 16,
    minSamplesLeaf: opts.minSamplesLeaf ?? 1,
    minChildWeight: 0,
    lambda: 0,
    minGain: opts.minGain ?? 1e-9,
    featuresPerNode: resolveFeaturesPerNode(opts.featuresPerNode, x.nFeatures, opts.task),
    leafScale: 1,
  };
  const nDraw = Math.max(1, Math.round(n * (opts.sampleFraction ?? 1)));
  const trees: Tree[] = [];
  const gainImportance = new Float64Array(x.nFeatures * K);
  const nTrees = opts.nTrees ?? 100;
  for (let t = 0; t < nTrees; t++) {
    const rows = new Int32Array(opts.bootstrap === false ? n : nDraw);
    if (opts.bootstrap === false) for (let i = 0; i < n; i++) rows[i] = i;
    else for (let i = 0; i < rows.length; i++) rows[i] = Math.floor(rand() * n);
    const grown = growTree({ binned, nOutputs: K, grad, hess, rows, features: allFeatures, rand }, growOpts);
    trees.push(grown.tree);
    for (let i = 0; i < gainImportance.length; i++) gainImportance[i]! += grown.gain[i]!;
  }
  const ensemble: TreeEnsemble = {
    kind: opts.task,
    nFeatures: x.nFeatures,
    nOutputs: K,
    trees,
    baseValues: new Array<number>(K).fill(0),
    aggregate: "AVERAGE",
    postTransform: "NONE",
    ...(opts.labels !== undefined ? { labels: [...opts.labels] } : {}),
  };
  return { ensemble, gainImportance, validationLoss: [] };
}

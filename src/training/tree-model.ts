/**
 * A trained tree ensemble, as the tree learners produce it and the ONNX exporter writes it
 * (ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor).
 */

/** One tree in flat arrays. Node i is a leaf when `feature[i] < 0`; else go left when x[feature] <= threshold. */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf values, `nodes × nOutputs` row-major (ignored for inner nodes). */
  readonly value: Float32Array;
}

export interface TreeEnsemble {
  readonly kind: "classifier" | "regressor";
  readonly nFeatures: number;
  /** Classes for a classifier (scores per class), 1 for a regressor. */
  readonly nOutputs: number;
  readonly trees: readonly Tree[];
  /** Added to the aggregated scores (e.g. the boosting prior), one per output. */
  readonly baseValues: readonly number[];
  /** SUM for boosting, AVERAGE for a random forest. */
  readonly aggregate: "SUM" | "AVERAGE";
  /** Applied to the aggregated scores: SOFTMAX (multi-class boosting), LOGISTIC, or NONE. */
  readonly postTransform: "NONE" | "SOFTMAX" | "LOGISTIC";
  readonly labels?: readonly string[];
}

/** Turns a classifier's probabilities into the evaluation metrics (multi-class, and failure versus none). */

import { argmaxRows, averagePrecision, binaryMetrics, classificationMetrics } from "../training/metrics.js";
import type { ClassifierEvalMetrics } from "./eval-types.js";

/**
 * `probs` row-major [n, labels.length]; `truth` class indices. With `failure`, also the binary
 * figures of "any class but `normalIndex`" against the true failure flags, scored by
 * P(failure) = 1 − P(normal), predicted when the most probable class is not the normal one.
 */
export function scoreClassifier(
  probs: Float32Array,
  truth: ArrayLike<number>,
  labels: readonly string[],
  failure?: { readonly truth: ArrayLike<boolean>; readonly normalIndex: number },
): ClassifierEvalMetrics {
  const width = labels.length;
  const predicted = argmaxRows(probs, width);
  const multi = classificationMetrics(truth, predicted, labels);
  if (failure === undefined) return multi;
  const n = predicted.length;
  const score = new Float64Array(n);
  const flagged = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = 1 - probs[i * width + failure.normalIndex]!;
    flagged[i] = predicted[i] !== failure.normalIndex ? 1 : 0;
  }
  const b = binaryMetrics(failure.truth, flagged);
  return {
    ...multi,
    f1: b.f1,
    precision: b.precision,
    recall: b.recall,
    pr_auc: averagePrecision(failure.truth, score),
  };
}

/** The label standing for "no fault": `none`, else `normal`, else the first. */
export function normalLabelOf(labels: readonly string[]): string {
  return labels.includes("none") ? "none" : labels.includes("normal") ? "normal" : labels[0]!;
}

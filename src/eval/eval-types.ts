/**
 * What `evaluateModel` returns: the metrics, with exactly the keys the manifests record, and the
 * details of what was scored (counts, files, secondary figures) kept apart from them.
 */

import type { ClassScores } from "../training/metrics.js";

export interface ClassifierEvalMetrics {
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly per_class: Record<string, ClassScores>;
  /** `confusion[true][predicted]` in `labels` order. */
  readonly confusion: number[][];
  readonly labels: string[];
  /** Failure class versus no failure (AI4I): precision, recall, F1 and PR-AUC of P(failure). */
  readonly f1?: number;
  readonly precision?: number;
  readonly recall?: number;
  readonly pr_auc?: number;
}

export interface RulEvalMetrics {
  /** Over the last cycle of each engine, true RUL capped at `details.rulCap`. */
  readonly rmse: number;
  readonly phm08_score: number;
}

export type EvalMetrics = ClassifierEvalMetrics | RulEvalMetrics;

export type DatasetKind = "cwru" | "ai4i" | "cmapss";

export interface EvalDetails {
  readonly dataset: DatasetKind;
  readonly model: { readonly name: string; readonly version: string };
  readonly files: readonly string[];
  /** What one scored row is: a window, a record, an engine's last cycle. */
  readonly unit: "window" | "record" | "engine";
  readonly count: number;
  /** C-MAPSS: which layout was read, the cap on true RUL, and every window's figures. */
  readonly layout?: "training" | "evaluation";
  readonly rulCap?: number;
  readonly windows?: { readonly count: number; readonly rmse: number; readonly phm08_score: number };
  /** Recordings: which part of the dataset was scored, when not all of it (fault sizes, loads, ranges). */
  readonly selection?: string;
  /** AI4I: the label counted as "no failure", and the threshold on P(failure). */
  readonly normalLabel?: string;
}

export interface EvalReport {
  readonly metrics: EvalMetrics;
  readonly details: EvalDetails;
}

export function isRulMetrics(m: EvalMetrics): m is RulEvalMetrics {
  return "rmse" in m;
}

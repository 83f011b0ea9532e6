/**
 * Model quality figures, shared by training scripts and `edge-agent eval`: multi-class
 * (accuracy, per-class precision/recall/F1/support, macro-F1, confusion matrix), binary
 * (precision/recall/F1, average precision = PR-AUC, recall at a precision) and remaining-life
 * regression (RMSE, the PHM08 score). A ratio with an empty denominator is 0, as in scikit-learn.
 */

export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly per_class: Record<string, ClassScores>;
  /** `confusion[true][predicted]`, in `labels` order. */
  readonly confusion: number[][];
  readonly labels: string[];
}

export interface BinaryMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

function f1Of(precision: number, recall: number): number {
  return ratio(2 * precision * recall, precision + recall);
}

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} true values but ${b.length} predictions`);
}

/** `m[true][predicted]` counts for class indices 0..nClasses-1. */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number[][] {
  sameLength(yTrue, yPred);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(t >= 0 && t < nClasses && p >= 0 && p < nClasses && Number.isInteger(t) && Number.isInteger(p))) {
      throw new RangeError(`row ${i}: class ${t} / ${p} outside 0..${nClasses - 1}`);
    }
    m[t]![p]! += 1;
  }
  return m;
}

/** Multi-class figures from class indices into `labels`. */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[],
): ClassificationMetrics {
  const K = labels.length;
  const confusion = confusionMatrix(yTrue, yPred, K);
  const per_class: Record<string, ClassScores> = {};
  let correct = 0;
  let f1Sum = 0;
  for (let k = 0; k < K; k++) {
    const tp = confusion[k]![k]!;
    correct += tp;
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < K; j++) {
      predicted += confusion[j]![k]!;
      support += confusion[k]![j]!;
    }
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = f1Of(precision, recall);
    f1Sum += f1;
    per_class[labels[k]!] = { precision, recall, f1, support };
  }
  return {
    accuracy: ratio(correct, yTrue.length),
    macro_f1: ratio(f1Sum, K),
    per_class,
    confusion,
    labels: [...labels],
  };
}

/** Precision, recall and F1 of the positive class (truthy / non-zero values are positive). */
export function binaryMetrics(
  yTrue: ArrayLike<number | boolean>,
  yPred: ArrayLike<number | boolean>,
): BinaryMetrics {
  sameLength(yTrue, yPred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = Boolean(yTrue[i]);
    const p = Boolean(yPred[i]);
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return { precision, recall, f1: f1Of(precision, recall), tp, fp, fn, tn };
}

/** Rows ordered by descending score; ties keep their order (the sort is stable). */
function byScore(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
}

/**
 * Average precision (area under the precision-recall curve, scikit-learn's definition):
 * Σ over distinct score thresholds of (R_n − R_{n−1}) · P_n. 0 when there are no positives.
 */
export function averagePrecision(yTrue: ArrayLike<number | boolean>, scores: ArrayLike<number>): number {
  sameLength(yTrue, scores);
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i]) positives++;
  if (positives === 0) return 0;
  const order = byScore(scores);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    seen++;
    if (yTrue[i]) tp++;
    const next = order[j + 1];
    if (next !== undefined && scores[next] === scores[i]) continue; // one point per distinct threshold
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** The highest recall reached at any threshold whose precision is at least `minPrecision`. */
export function recallAtPrecision(
  yTrue: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  minPrecision: number,
): number {
  sameLength(yTrue, scores);
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i]) positives++;
  if (positives === 0) return 0;
  const order = byScore(scores);
  let tp = 0;
  let best = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    if (yTrue[i]) tp++;
    const next = order[j + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    if (tp / (j + 1) >= minPrecision) best = Math.max(best, tp / positives);
  }
  return best;
}

/** Root mean squared error. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yPred[i]! - yTrue[i]!) ** 2;
  return Math.sqrt(s / yTrue.length);
}

/** PHM08 penalty of one prediction: d = predicted − true; late (d ≥ 0) costs more than early. */
export function phm08Penalty(trueRul: number, predictedRul: number): number {
  const d = predictedRul - trueRul;
  return d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
}

/** PHM08 score: the sum of penalties over the scored engines (lower is better). */
export function phm08Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += phm08Penalty(yTrue[i]!, yPred[i]!);
  return s;
}

/** Index of the largest value in each row of a row-major [n, width] array (first one on ties). */
export function argmaxRows(p: ArrayLike<number>, width: number): Int32Array {
  const n = Math.floor(p.length / width);
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (p[r * width + c]! > p[r * width + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** The multi-class figures in camelCase (the MLP trainer's report shape). */
export interface ClassificationReport {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: Record<string, ClassScores>;
  readonly confusion: number[][];
  readonly labels: string[];
}

/** `classificationMetrics` with camelCase keys. */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[],
): ClassificationReport {
  const m = classificationMetrics(yTrue, yPred, labels);
  return {
    accuracy: m.accuracy,
    macroF1: m.macro_f1,
    perClass: m.per_class,
    confusion: m.confusion,
    labels: m.labels,
  };
}

/** Share of rows where "is it `normalClass`?" is answered right (fault versus normal). */
export function binaryAccuracy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  normalClass: number,
): number {
  sameLength(yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if ((yTrue[i] === normalClass) === (yPred[i] === normalClass)) ok++;
  return ratio(ok, yTrue.length);
}

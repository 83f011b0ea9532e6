import { describe, expect, it } from "vitest";
import {
  averagePrecision,
  binaryMetrics,
  classificationMetrics,
  confusionMatrix,
  phm08Penalty,
  phm08Score,
  recallAtPrecision,
  rmse,
} from "../../../src/training/metrics.js";

describe("multi-class metrics", () => {
  const labels = ["a", "b", "c"];
  // true:      a a a b b c
  // predicted: a b a b c c
  const yTrue = [0, 0, 0, 1, 1, 2];
  const yPred = [0, 1, 0, 1, 2, 2];

  it("counts true classes in rows and predicted classes in columns", () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it("gives accuracy, per-class precision/recall/F1/support and macro-F1 as computed by hand", () => {
    const m = classificationMetrics(yTrue, yPred, labels);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    // a: P 2/2, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5; c: P 1/2, R 1, F1 2/3
    expect(m.per_class.a).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(m.per_class.b).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.per_class.c!.precision).toBeCloseTo(0.5, 12);
    expect(m.per_class.c!.recall).toBe(1);
    expect(m.per_class.c!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macro_f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.labels).toEqual(labels);
  });

  it("refuses a class index outside the labels", () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/row 1/);
  });
});

describe("binary metrics", () => {
  it("gives precision, recall and F1 of the positive class", () => {
    const m = binaryMetrics([1, 1, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0]);
    expect(m).toMatchObject({ tp: 2, fp: 1, fn: 1, tn: 2 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
  });

  it("gives 0, not NaN, when nothing is predicted positive", () => {
    expect(binaryMetrics([true, false], [false, false])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it("computes average precision as the sum of recall steps times precision", () => {
    // ranks: 1 (P 1, R 1/3), 0, 1 (P 2/3, R 2/3), 1 (P 3/4, R 1), 0
    const ap = averagePrecision([1, 0, 1, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.5]);
    expect(ap).toBeCloseTo(1 / 3 + (1 / 3) * (2 / 3) + (1 / 3) * (3 / 4), 12);
    expect(ap).toBeCloseTo(29 / 36, 12);
  });

  it("treats tied scores as one threshold", () => {
    expect(averagePrecision([1, 0], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(averagePrecision([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 12);
  });

  it("gives the highest recall at which precision stays at or above the bound", () => {
    const y = [1, 0, 1, 1, 0];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5];
    expect(recallAtPrecision(y, s, 0.75)).toBeCloseTo(1, 12);
    expect(recallAtPrecision(y, s, 0.8)).toBeCloseTo(1 / 3, 12);
  });
});

describe("remaining-life metrics", () => {
  it("computes RMSE", () => {
    expect(rmse([1, 2, 3], [2, 2, 5])).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it("penalises a late prediction more than an early one by the PHM08 formula", () => {
    // d = predicted − true: −10 → e^(10/13) − 1; +10 → e^(10/10) − 1
    expect(phm08Penalty(100, 90)).toBeCloseTo(Math.exp(10 / 13) - 1, 12);
    expect(phm08Penalty(50, 60)).toBeCloseTo(Math.E - 1, 12);
    expect(phm08Penalty(50, 60)).toBeGreaterThan(phm08Penalty(100, 90));
    expect(phm08Penalty(7, 7)).toBe(0);
    expect(phm08Score([100, 50, 7], [90, 60, 7])).toBeCloseTo(1.158105 + 1.718282, 5);
  });
});

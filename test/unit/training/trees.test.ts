import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/training/prng.js";
import {
  binMatrix,
  binOf,
  type FeatureMatrix,
  MAX_WIDE_BINS,
  matrixFromRows,
} from "../../../src/training/trees-binning.js";
import { trainGradientBoosting } from "../../../src/training/trees-boosting.js";
import { trainRandomForest } from "../../../src/training/trees-forest.js";
import { importanceByOutput, overallImportance } from "../../../src/training/trees-importance.js";
import { predictTreeEnsemble } from "../../../src/training/tree-predict.js";
import type { TreeEnsemble } from "../../../src/training/tree-model.js";

/** XOR-ish: class 1 when exactly one of x0, x1 is above 0.5; x2 is noise. */
function xorData(n: number, seed: number): { x: FeatureMatrix; y: Int32Array } {
  const rand = mulberry32(seed);
  const rows: number[][] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rand();
    const b = rand();
    rows.push([a, b, rand()]);
    y[i] = a > 0.5 !== b > 0.5 ? 1 : 0;
  }
  return { x: matrixFromRows(rows), y };
}

/** A step function of x0 with three levels, x1 is noise. */
function stepData(n: number, seed: number): { x: FeatureMatrix; y: Float64Array } {
  const rand = mulberry32(seed);
  const rows: number[][] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rand() * 10;
    rows.push([a, rand()]);
    y[i] = a < 3 ? 1 : a < 7 ? 5 : -2;
  }
  return { x: matrixFromRows(rows), y };
}

/** Probabilities or values for one row (the plain-JS reference predictor). */
function predictEnsemble(e: TreeEnsemble, row: readonly number[]): Float64Array {
  return predictTreeEnsemble(e, Float32Array.from(row));
}

function predictMatrix(e: TreeEnsemble, x: FeatureMatrix): Float64Array {
  return predictTreeEnsemble(e, x.values);
}

function accuracy(e: TreeEnsemble, x: FeatureMatrix, y: ArrayLike<number>): number {
  const p = predictMatrix(e, x);
  const w = p.length / x.nRows;
  let ok = 0;
  for (let i = 0; i < x.nRows; i++) {
    let best = 0;
    for (let k = 1; k < w; k++) if (p[i * w + k]! > p[i * w + best]!) best = k;
    if (best === y[i]) ok++;
  }
  return ok / x.nRows;
}

describe("histogram binning", () => {
  it("gives every distinct value its own bin when there are few, with thresholds between them", () => {
    const b = binMatrix(matrixFromRows([[1], [3], [2], [3], [Number.NaN]]));
    expect(Array.from(b.edges[0]!)).toEqual([1.5, 2.5]);
    expect(Array.from(b.bins)).toEqual([0, 2, 1, 2, 3]);
  });

  it("cuts many distinct values into at most maxBins equal-frequency bins that keep order", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i * 0.37]);
    const b = binMatrix(matrixFromRows(rows), 16);
    expect(b.nBins[0]).toBeLessThanOrEqual(16);
    expect(b.nBins[0]).toBeGreaterThanOrEqual(15);
    for (let i = 1; i < 1000; i++) expect(b.bins[i]!).toBeGreaterThanOrEqual(b.bins[i - 1]!);
    for (let i = 0; i < 1000; i++) expect(binOf(b.edges[0]!, Math.fround(i * 0.37))).toBe(b.bins[i]);
  });

  it("gives each of 1000 distinct values its own bin when asked for wide bins, NaN in the bin after", () => {
    const rows = [...Array.from({ length: 1000 }, (_, i) => [i * 0.37]), [Number.NaN]];
    const b = binMatrix(matrixFromRows(rows), MAX_WIDE_BINS);
    expect(b.bins).toBeInstanceOf(Uint16Array);
    expect(b.nBins[0]).toBe(1000);
    expect(Array.from(b.bins.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(b.bins[1000]).toBe(1000);
    expect(binMatrix(matrixFromRows(rows)).bins).toBeInstanceOf(Uint8Array);
    expect(() => binMatrix(matrixFromRows(rows), MAX_WIDE_BINS + 1)).toThrow(RangeError);
  });

  it("lets a forest with wide bins split between two neighbouring values in a sparse tail", () => {
    // 2000 rows, class 1 only above 1000.5 in a tail of 40 values: 255 equal-frequency bins are
    // 8 rows wide there and blur the step; one bin per value puts it exactly between 1000 and 1001.
    const values = Array.from({ length: 2000 }, (_, i) => (i < 1960 ? i * 0.5 : 980 + (i - 1960) * 1));
    const y = Int32Array.from(values, (v) => (v > 1000.5 ? 1 : 0));
    const x = matrixFromRows(values.map((v) => [v]));
    const opts = {
      task: "classifier",
      nTrees: 1,
      bootstrap: false,
      featuresPerNode: "all",
      seed: 1,
    } as const;
    const wide = trainRandomForest(x, y, { ...opts, maxBins: MAX_WIDE_BINS });
    expect(Array.from(wide.ensemble.trees[0]!.threshold).filter((t) => t !== 0)).toEqual([1000.5]);
    expect(accuracy(wide.ensemble, x, y)).toBe(1);
  });
});

describe("gradient boosting", () => {
  it("learns XOR with a binary logistic loss, which no single split can", () => {
    const train = xorData(2000, 1);
    const test = xorData(1000, 2);
    const { ensemble } = trainGradientBoosting(train.x, train.y, {
      objective: "logistic",
      nRounds: 60,
      maxDepth: 3,
    });
    expect(ensemble.postTransform).toBe("LOGISTIC");
    expect(accuracy(ensemble, test.x, test.y)).toBeGreaterThan(0.97);
    const p = predictEnsemble(ensemble, [0.9, 0.1, 0.5]);
    expect(p.length).toBe(2);
    expect(p[1]).toBeGreaterThan(0.9);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
  });

  it("learns a three-class problem with softmax and gives probabilities that sum to one", () => {
    const { x, y: yStep } = stepData(1500, 3);
    const y = Int32Array.from(yStep, (v) => (v === 1 ? 0 : v === 5 ? 1 : 2));
    const { ensemble, gainImportance } = trainGradientBoosting(x, y, { objective: "softmax", nRounds: 30 });
    expect(ensemble.nOutputs).toBe(3);
    expect(accuracy(ensemble, x, y)).toBeGreaterThan(0.99);
    const p = predictEnsemble(ensemble, [8, 0.5]);
    expect(p[2]).toBeGreaterThan(0.9);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The step variable carries (almost) all the gain, for every class.
    for (let k = 0; k < 3; k++)
      expect(gainImportance[0 * 3 + k]!).toBeGreaterThan(20 * gainImportance[1 * 3 + k]!);
  });

  it("fits a step function with squared error to within a small error", () => {
    const { x, y } = stepData(1000, 4);
    const { ensemble } = trainGradientBoosting(x, y, {
      objective: "squared",
      nRounds: 100,
      learningRate: 0.2,
    });
    expect(ensemble.kind).toBe("regressor");
    // Histogram bins straddle the steps, so the fit is close, not exact.
    expect(Math.abs(predictEnsemble(ensemble, [1, 0.3])[0]! - 1)).toBeLessThan(0.15);
    expect(Math.abs(predictEnsemble(ensemble, [5, 0.3])[0]! - 5)).toBeLessThan(0.15);
    expect(Math.abs(predictEnsemble(ensemble, [9, 0.3])[0]! + 2)).toBeLessThan(0.15);
  });

  it("gives the same trees for the same seed and different trees for another seed when subsampling", () => {
    const { x, y } = xorData(500, 5);
    const opts = { objective: "logistic" as const, nRounds: 10, subsample: 0.7, colsample: 0.67 };
    const a = trainGradientBoosting(x, y, { ...opts, seed: 7 }).ensemble;
    const b = trainGradientBoosting(x, y, { ...opts, seed: 7 }).ensemble;
    const c = trainGradientBoosting(x, y, { ...opts, seed: 8 }).ensemble;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("stops early at the round with the best validation loss", () => {
    const train = stepData(300, 6);
    const val = stepData(300, 7);
    const r = trainGradientBoosting(train.x, train.y, {
      objective: "squared",
      nRounds: 500,
      learningRate: 0.5,
      validation: { x: val.x, y: val.y },
      earlyStoppingRounds: 5,
    });
    expect(r.validationLoss.length).toBeLessThan(500);
    const best = r.validationLoss.indexOf(Math.min(...r.validationLoss)) + 1;
    expect(r.ensemble.trees.length).toBe(best);
  });
});

describe("random forest", () => {
  it("learns XOR and averages leaf class probabilities", () => {
    const train = xorData(2000, 11);
    const test = xorData(1000, 12);
    const { ensemble } = trainRandomForest(train.x, train.y, { task: "classifier", nTrees: 30, seed: 3 });
    expect(ensemble.aggregate).toBe("AVERAGE");
    expect(accuracy(ensemble, test.x, test.y)).toBeGreaterThan(0.95);
    const p = predictEnsemble(ensemble, [0.1, 0.1, 0.5]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p[0]).toBeGreaterThan(0.8);
  });

  it("regresses a step function to its levels", () => {
    const { x, y } = stepData(1000, 13);
    const { ensemble } = trainRandomForest(x, y, { task: "regressor", nTrees: 20, featuresPerNode: "all" });
    expect(predictEnsemble(ensemble, [1.5, 0.5])[0]).toBeCloseTo(1, 1);
    expect(predictEnsemble(ensemble, [5, 0.5])[0]).toBeCloseTo(5, 1);
  });

  it("is deterministic for a seed", () => {
    const { x, y } = xorData(300, 14);
    const a = trainRandomForest(x, y, { task: "classifier", nTrees: 5, seed: 9 }).ensemble;
    const b = trainRandomForest(x, y, { task: "classifier", nTrees: 5, seed: 9 }).ensemble;
    const c = trainRandomForest(x, y, { task: "classifier", nTrees: 5, seed: 10 }).ensemble;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("refuses a class label that is not an integer", () => {
    const x = matrixFromRows([[1], [2]]);
    expect(() => trainRandomForest(x, [0, 1.5], { task: "classifier" })).toThrow(/class of row 1/);
  });
});

describe("gain importance per output", () => {
  it("gives shares per class that sum to one, the most important feature first", () => {
    // gain[feature * nOutputs + k] for 3 features × 2 classes
    const gain = Float64Array.of(1, 0, 3, 2, 0, 2);
    const t = importanceByOutput(gain, ["a", "b", "c"], ["x", "y"]);
    expect(t.x).toEqual({ b: 0.75, a: 0.25, c: 0 });
    expect(Object.keys(t.x!)).toEqual(["b", "a", "c"]);
    expect(t.y).toEqual({ b: 0.5, c: 0.5, a: 0 });
    expect(overallImportance(gain, ["a", "b", "c"])).toEqual({ b: 0.625, c: 0.25, a: 0.125 });
  });
});

import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { exportTreeEnsemble } from "../../../src/training/onnx/export-tree-ensemble.js";
import { mulberry32 } from "../../../src/training/prng.js";
import type { TreeEnsemble } from "../../../src/training/tree-model.js";
import { predictionWidth, predictTreeEnsemble } from "../../../src/training/tree-predict.js";
import { type FeatureMatrix, matrixFromRows } from "../../../src/training/trees-binning.js";
import { trainGradientBoosting } from "../../../src/training/trees-boosting.js";
import { trainRandomForest } from "../../../src/training/trees-forest.js";

/** Three noisy features; the class depends on two of them, the value on all three. */
function data(n: number, seed: number): { x: FeatureMatrix; cls: Int32Array; value: Float64Array } {
  const rand = mulberry32(seed);
  const rows: number[][] = [];
  const cls = new Int32Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = [rand() * 4 - 2, rand() * 100, rand()];
    rows.push(r);
    cls[i] = r[0]! > 0.5 ? 2 : r[1]! > 60 ? 1 : 0;
    value[i] = 3 * r[0]! + r[1]! / 10 + (r[2]! > 0.5 ? 1 : 0);
  }
  return { x: matrixFromRows(rows), cls, value };
}

async function runOnnx(e: TreeEnsemble, x: FeatureMatrix): Promise<Float32Array> {
  const bytes = exportTreeEnsemble(e, { inputName: "features", outputName: "out" });
  const session = await ort.InferenceSession.create(bytes);
  const res = await session.run({ features: new ort.Tensor("float32", x.values, [x.nRows, x.nFeatures]) });
  return res.out!.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const train = data(1500, 1);
const test = data(500, 2);
const { x, cls, value } = train;
const binary = Int32Array.from(cls, (c) => (c === 2 ? 1 : 0));

const cases: [string, () => TreeEnsemble, number][] = [
  [
    "a softmax boosted classifier",
    () => trainGradientBoosting(x, cls, { objective: "softmax", nRounds: 40 }).ensemble,
    1e-5,
  ],
  [
    "a logistic boosted classifier",
    () => trainGradientBoosting(x, binary, { objective: "logistic", nRounds: 40 }).ensemble,
    1e-5,
  ],
  [
    "a squared-error boosted regressor",
    () => trainGradientBoosting(x, value, { objective: "squared", nRounds: 60 }).ensemble,
    1e-4,
  ],
  [
    "a random-forest classifier",
    () => trainRandomForest(x, cls, { task: "classifier", nTrees: 25 }).ensemble,
    1e-5,
  ],
  [
    "a random-forest regressor",
    () => trainRandomForest(x, value, { task: "regressor", nTrees: 25 }).ensemble,
    1e-4,
  ],
];

describe("trained tree ensembles through the ONNX exporter", () => {
  it.each(cases)(
    "%s gives the same outputs in onnxruntime as the plain-JS predictor",
    async (_name, make, tol) => {
      const e = make();
      const onnx = await runOnnx(e, test.x);
      const js = predictTreeEnsemble(e, test.x.values);
      expect(onnx.length).toBe(test.x.nRows * predictionWidth(e));
      expect(maxAbsDiff(onnx, js)).toBeLessThan(tol);
    },
  );
});

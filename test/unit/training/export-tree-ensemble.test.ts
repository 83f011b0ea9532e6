import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { exportTreeEnsemble } from "../../../src/training/onnx/export-tree-ensemble.js";
import type { TreeEnsemble } from "../../../src/training/tree-model.js";
import { predictionWidth, predictTreeEnsemble } from "../../../src/training/tree-predict.js";
import { randomEnsemble, randomRows } from "./random-ensemble.js";

const N = 300;
const D = 6;

async function runOnnx(bytes: Uint8Array, x: Float32Array, d: number) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ features: new ort.Tensor("float32", x, [x.length / d, d]) });
  return { out, outputNames: session.outputNames };
}

function argmaxRows(p: ArrayLike<number>, width: number): number[] {
  const labels: number[] = [];
  for (let r = 0; r < p.length / width; r++) {
    let best = 0;
    for (let c = 1; c < width; c++)
      if ((p[r * width + c] as number) > (p[r * width + best] as number)) best = c;
    labels.push(best);
  }
  return labels;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const classifiers: [string, TreeEnsemble][] = [
  [
    "a boosted 4-class SOFTMAX ensemble with base values",
    randomEnsemble(1, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 4,
      aggregate: "SUM",
      postTransform: "SOFTMAX",
      baseValues: [0.3, -0.2, 0.1, 0.05],
      nTrees: 12,
      depth: 4,
    }),
  ],
  [
    "a 3-class AVERAGE forest of class fractions",
    randomEnsemble(2, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 3,
      aggregate: "AVERAGE",
      postTransform: "NONE",
      baseValues: [],
      nTrees: 15,
      depth: 3,
    }),
  ],
  [
    "a 2-class AVERAGE forest (onnxruntime's binary path)",
    randomEnsemble(3, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 2,
      aggregate: "AVERAGE",
      postTransform: "NONE",
      baseValues: [],
      nTrees: 9,
      depth: 3,
    }),
  ],
  [
    "a binary LOGISTIC booster with one score and a base value",
    randomEnsemble(4, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 1,
      aggregate: "SUM",
      postTransform: "LOGISTIC",
      baseValues: [-0.4],
      nTrees: 10,
      depth: 3,
    }),
  ],
  [
    "a 2-class SOFTMAX booster with base values",
    randomEnsemble(5, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 2,
      aggregate: "SUM",
      postTransform: "SOFTMAX",
      baseValues: [0.2, -0.7],
      nTrees: 10,
      depth: 3,
    }),
  ],
];

describe("exportTreeEnsemble", () => {
  it.each(classifiers)(
    "%s gives onnxruntime the probabilities and labels of the JS evaluation",
    async (_name, e) => {
      const x = randomRows(11, N, D);
      const { out, outputNames } = await runOnnx(
        exportTreeEnsemble(e, { inputName: "features", outputName: "probabilities" }),
        x,
        D,
      );
      expect(outputNames).toEqual(["label", "probabilities"]);
      const width = predictionWidth(e);
      const probs = out.probabilities!;
      expect(probs.dims).toEqual([N, width]);
      const ref = predictTreeEnsemble(e, x);
      expect(maxAbsDiff(probs.data as Float32Array, ref)).toBeLessThan(1e-5);
      const label = out.label!;
      expect(label.type).toBe("int64");
      expect(Array.from(label.data as BigInt64Array, Number)).toEqual(argmaxRows(ref, width));
    },
  );

  it("a regressor with two targets, AVERAGE and base values, matches the JS evaluation", async () => {
    const e = randomEnsemble(6, {
      kind: "regressor",
      nFeatures: D,
      nOutputs: 2,
      aggregate: "AVERAGE",
      postTransform: "NONE",
      baseValues: [10, -3],
      nTrees: 20,
      depth: 4,
    });
    const x = randomRows(12, N, D);
    const { out } = await runOnnx(exportTreeEnsemble(e, { inputName: "features", outputName: "rul" }), x, D);
    expect(out.rul!.dims).toEqual([N, 2]);
    expect(maxAbsDiff(out.rul!.data as Float32Array, predictTreeEnsemble(e, x))).toBeLessThan(1e-4);
  });

  it("a row exactly on a threshold goes left, as in the JS evaluation", async () => {
    const e: TreeEnsemble = {
      kind: "regressor",
      nFeatures: 1,
      nOutputs: 1,
      aggregate: "SUM",
      postTransform: "NONE",
      baseValues: [0],
      trees: [
        {
          feature: Int32Array.from([0, -1, -1]),
          threshold: Float32Array.from([0.25, 0, 0]),
          left: Int32Array.from([1, -1, -1]),
          right: Int32Array.from([2, -1, -1]),
          value: Float32Array.from([0, 1, 2]),
        },
      ],
    };
    const x = Float32Array.from([0.25, 0.2500001, -1]);
    const { out } = await runOnnx(exportTreeEnsemble(e, { inputName: "features", outputName: "y" }), x, 1);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1, 2, 1]);
    expect(Array.from(predictTreeEnsemble(e, x))).toEqual([1, 2, 1]);
  });

  it("the same ensemble always encodes to the same bytes", () => {
    const [, e] = classifiers[0]!;
    const a = exportTreeEnsemble(e, { inputName: "features", outputName: "probabilities" });
    const b = exportTreeEnsemble(e, { inputName: "features", outputName: "probabilities" });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("refuses a one-score classifier that is not LOGISTIC", () => {
    const e = randomEnsemble(7, {
      kind: "classifier",
      nFeatures: D,
      nOutputs: 1,
      aggregate: "SUM",
      postTransform: "NONE",
      baseValues: [],
      nTrees: 2,
      depth: 2,
    });
    expect(() => exportTreeEnsemble(e, { inputName: "features", outputName: "p" })).toThrow(/LOGISTIC/);
  });
});

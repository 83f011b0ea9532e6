import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { argmaxRows } from "../../../src/training/metrics.js";
import { predictMlp } from "../../../src/training/mlp.js";
import { exportMlp } from "../../../src/training/onnx/export-mlp.js";
import { gaussian, mulberry32 } from "../../../src/training/prng.js";
import { trainMlp } from "../../../src/training/train-mlp.js";

/** Three Gaussian blobs in 4-D with features on very different scales (standardisation matters). */
function blobs(seed: number, perClass: number) {
  const rand = mulberry32(seed);
  const centres = [
    [0, 0, 0, 0],
    [3, 0, 1, 0],
    [0, 3, 0, 1],
  ];
  const featureScale = [1, 100, 0.01, 5];
  const X = new Float32Array(3 * perClass * 4);
  const y = new Int32Array(3 * perClass);
  for (let i = 0; i < 3 * perClass; i++) {
    const c = i % 3;
    y[i] = c;
    for (let j = 0; j < 4; j++)
      X[i * 4 + j] = ((centres[c]![j] as number) + 0.6 * gaussian(rand)) * featureScale[j]!;
  }
  return { X, y };
}

const classifierOpts = {
  hidden: [16],
  task: "classifier" as const,
  epochs: 60,
  batchSize: 32,
  lr: 0.01,
  weightDecay: 1e-4,
  patience: 10,
  valFraction: 0.2,
  seed: 42,
};

describe("trainMlp", () => {
  it("learns separable classes and generalises to fresh rows", () => {
    const train = blobs(1, 200);
    const test = blobs(2, 100);
    const { mlp } = trainMlp(train.X, train.y, classifierOpts);
    const pred = argmaxRows(predictMlp(mlp, test.X), 3);
    const acc = pred.reduce((a, p, i) => a + (p === test.y[i] ? 1 : 0), 0) / pred.length;
    expect(acc).toBeGreaterThan(0.95);
  });

  it("stores the training rows' mean and spread as the model's standardisation", () => {
    const { X, y } = blobs(3, 50);
    const { mlp } = trainMlp(X, y, { ...classifierOpts, valFraction: 0, epochs: 1 });
    let m1 = 0;
    for (let r = 0; r < y.length; r++) m1 += X[r * 4 + 1]!;
    expect(mlp.mean[1]).toBeCloseTo(m1 / y.length, 1);
    expect(mlp.scale[1]).toBeGreaterThan(50);
    expect(mlp.scale[2]).toBeLessThan(0.1);
  });

  it("with the same data and seed writes byte-identical ONNX, and a different seed does not", () => {
    const { X, y } = blobs(4, 100);
    const a = exportMlp(trainMlp(X, y, classifierOpts).mlp);
    const b = exportMlp(trainMlp(X, y, classifierOpts).mlp);
    const c = exportMlp(trainMlp(X, y, { ...classifierOpts, seed: 43 }).mlp);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("stops early when the validation loss stops improving and keeps the best epoch", () => {
    const rand = mulberry32(5);
    // Pure noise labels: the validation loss cannot improve for long.
    const X = Float32Array.from({ length: 400 * 3 }, () => gaussian(rand));
    const y = Int32Array.from({ length: 400 }, () => Math.floor(rand() * 2));
    const r = trainMlp(X, y, { ...classifierOpts, hidden: [32], epochs: 500, patience: 5, lr: 0.02 });
    expect(r.epochsRun).toBeLessThan(500);
    expect(r.epochsRun - r.bestEpoch).toBe(5);
    const best = Math.min(...r.history.map((h) => h.valLoss));
    expect(r.history[r.bestEpoch - 1]!.valLoss).toBe(best);
  });

  it("with balanced class weights recalls a rare class better than without", () => {
    const rand = mulberry32(6);
    const n = 1000;
    const X = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const rare = i % 20 === 0;
      y[i] = rare ? 1 : 0;
      X[i * 2] = (rare ? 0.8 : 0) + gaussian(rand);
      X[i * 2 + 1] = gaussian(rand);
    }
    const recall = (w: "balanced" | undefined) => {
      const { mlp } = trainMlp(X, y, { ...classifierOpts, valFraction: 0, epochs: 30, classWeights: w });
      const pred = argmaxRows(predictMlp(mlp, X), 2);
      let hit = 0;
      for (let i = 0; i < n; i++) if (y[i] === 1 && pred[i] === 1) hit++;
      return hit / (n / 20);
    };
    expect(recall("balanced")).toBeGreaterThan(recall(undefined) + 0.2);
  });

  it("fits a regression target on its own scale", () => {
    const rand = mulberry32(7);
    const n = 600;
    const X = Float32Array.from({ length: n * 2 }, () => 2 * rand() - 1);
    const y = Float32Array.from({ length: n }, (_, i) => 100 + 40 * X[i * 2]! - 25 * Math.abs(X[i * 2 + 1]!));
    const { mlp } = trainMlp(X, y, {
      ...classifierOpts,
      task: "regressor",
      hidden: [32],
      epochs: 200,
      patience: 20,
    });
    const pred = predictMlp(mlp, X);
    let se = 0;
    for (let i = 0; i < n; i++) se += (pred[i]! - y[i]!) ** 2;
    expect(Math.sqrt(se / n)).toBeLessThan(3);
  });
});

describe("exportMlp", () => {
  it("runs in onnxruntime with the same probabilities as the JS forward pass, for any batch size", async () => {
    const { X, y } = blobs(8, 50);
    const { mlp } = trainMlp(X, y, { ...classifierOpts, hidden: [12, 8] });
    const session = await ort.InferenceSession.create(exportMlp(mlp));
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["probabilities"]);
    const ref = predictMlp(mlp, X);
    for (const n of [1, 7, y.length]) {
      const out = await session.run({ features: new ort.Tensor("float32", X.subarray(0, n * 4), [n, 4]) });
      const p = out.probabilities!;
      expect(p.dims).toEqual([n, 3]);
      let maxDiff = 0;
      for (let i = 0; i < n * 3; i++)
        maxDiff = Math.max(maxDiff, Math.abs((p.data as Float32Array)[i]! - ref[i]!));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });

  it("takes the log of the chosen inputs inside the graph, flooring zeros, and leaves the others alone", async () => {
    const rand = mulberry32(9);
    const n = 300;
    // Column 0: a ratio whose log separates the classes; column 1: signed, not logged.
    const X = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      X[i * 2] = Math.exp((y[i] ? 1.5 : 0) + 0.5 * gaussian(rand));
      X[i * 2 + 1] = gaussian(rand);
    }
    X[0] = 0; // a flat window's line ratio
    const { mlp } = trainMlp(X, y, {
      ...classifierOpts,
      valFraction: 0,
      epochs: 20,
      logInputs: [true, false],
    });
    expect(mlp.logInputs).toEqual([true, false]);
    const session = await ort.InferenceSession.create(exportMlp(mlp));
    const out = await session.run({ features: new ort.Tensor("float32", X, [n, 2]) });
    const p = out.probabilities!.data as Float32Array;
    const ref = predictMlp(mlp, X);
    let maxDiff = 0;
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - ref[i]!));
    expect(Number.isFinite(p[0]!)).toBe(true);
    expect(maxDiff).toBeLessThan(1e-5);
    const acc = argmaxRows(ref, 2).reduce((a, c, i) => a + (c === y[i] ? 1 : 0), 0) / n;
    expect(acc).toBeGreaterThan(0.85);
  });

  it("writes a regressor without softmax", async () => {
    const mlp = {
      mean: Float32Array.from([1, 2]),
      scale: Float32Array.from([2, 4]),
      layers: [{ W: Float32Array.from([3, -1]), b: Float32Array.from([10]) }],
      inputName: "x",
      outputName: "rul",
      task: "regressor" as const,
    };
    const session = await ort.InferenceSession.create(exportMlp(mlp));
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from([5, 10]), [1, 2]) });
    // ((5-1)/2)*3 + ((10-2)/4)*-1 + 10 = 6 - 2 + 10
    expect(Array.from(out.rul!.data as Float32Array)).toEqual([14]);
  });

  it("refuses a zero scale, which would put infinities in the graph", () => {
    const mlp = {
      mean: Float32Array.from([0]),
      scale: Float32Array.from([0]),
      layers: [{ W: Float32Array.from([1]), b: Float32Array.from([0]) }],
      inputName: "x",
      outputName: "y",
      task: "regressor" as const,
    };
    expect(() => exportMlp(mlp)).toThrow(/scale\[0\]/);
  });
});

import { describe, expect, it } from "vitest";
import type { LoadedModel } from "../../../src/inference/load-model.js";
import type { Manifest } from "../../../src/inference/manifest-schema.js";
import type { BatchResult } from "../../../src/inference/micro-batcher.js";
import { argmax, classifyValue, predictRow } from "../../../src/inference/predict.js";

function fakeModel(task: Manifest["task"], labels: string[]): LoadedModel {
  const manifest = {
    name: "m",
    version: "2.1.0",
    task,
    output: { name: "y", labels },
    input: { name: "x", features: ["a"] },
  } as unknown as Manifest;
  return {
    dir: "/m",
    manifest,
    session: {} as never,
    featureCount: 1,
    outputWidth: task === "classifier" ? 3 : 1,
  };
}

const batch = (outputs: number[], outputWidth: number): BatchResult => ({
  outputs: Float32Array.from(outputs),
  rows: outputs.length / outputWidth,
  outputWidth,
  latencyMs: 0.1,
});

const RUL = [
  { below: 10, class: "replace_now" },
  { below: 100, class: "plan_replacement" },
];

describe("predictRow", () => {
  const classifier = fakeModel("classifier", ["normal", "inner", "outer"]);

  it("gives a classifier row's most probable class, its probability and a copy of the row", () => {
    const r = batch([0.7, 0.2, 0.1, 0.1, 0.3, 0.6], 3);
    const p = predictRow(classifier, r, 1, 1234);
    expect(p).toMatchObject({
      model: "m",
      modelVersion: "2.1.0",
      tsMs: 1234,
      classIndex: 2,
      className: "outer",
    });
    expect(p.confidence).toBeCloseTo(0.6, 6);
    expect(Array.from(p.probabilities)).toEqual(Array.from(Float32Array.of(0.1, 0.3, 0.6)));
    expect(Number.isNaN(p.value)).toBe(true);
    r.outputs.fill(0); // the batch buffer is reused after the callback
    expect(p.probabilities[2]).toBeCloseTo(0.6, 6);
  });

  it("maps a regressor's value through the thresholds, with confidence 1 and no probabilities", () => {
    const regressor = fakeModel("regressor", []);
    const classes = { thresholds: RUL, normalClass: "normal" };
    const r = batch([5, 50, 500], 1);
    const got = [0, 1, 2].map((row) => predictRow(regressor, r, row, 0, classes));
    expect(got.map((p) => [p.value, p.className, p.classIndex, p.confidence])).toEqual([
      [5, "replace_now", 0, 1],
      [50, "plan_replacement", 1, 1],
      [500, "normal", 2, 1],
    ]);
    expect(got[0]!.probabilities).toHaveLength(0);
  });

  it("refuses a row outside the batch", () => {
    expect(() => predictRow(classifier, batch([1, 0, 0], 3), 1, 0)).toThrow(RangeError);
  });
});

describe("classifyValue", () => {
  it.each([
    [-1, "replace_now"],
    [9.99, "replace_now"],
    [10, "plan_replacement"],
    [99, "plan_replacement"],
    [100, "normal"],
    [1e9, "normal"],
  ])("maps %d to %s (the first threshold whose `below` is greater)", (value, want) => {
    expect(classifyValue(value, RUL, "normal")).toBe(want);
  });

  it("gives the normal class when there are no thresholds", () => {
    expect(classifyValue(0, [], "ok")).toBe("ok");
  });
});

describe("argmax", () => {
  it("picks the first of equal maxima and skips NaN", () => {
    expect(argmax(Float32Array.of(9, 0.2, 0.5, 0.5), 1, 3)).toBe(1);
    expect(argmax(Float32Array.of(Number.NaN, 0.1, 0.3), 0, 3)).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import { argmaxRows, binaryAccuracy, classificationReport } from "../../../src/training/metrics.js";

describe("classificationReport", () => {
  it("counts true classes in rows and predictions in columns", () => {
    const r = classificationReport([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], ["a", "b", "c"]);
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    expect(r.perClass.b).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(r.perClass.a!.precision).toBeCloseTo(0.5);
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3);
  });

  it("gives a class that is never predicted precision 0 rather than NaN", () => {
    const r = classificationReport([0, 1], [0, 0], ["a", "b"]);
    expect(r.perClass.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });
});

describe("argmaxRows and binaryAccuracy", () => {
  it("picks the first of tied maxima", () => {
    expect(Array.from(argmaxRows([0.2, 0.5, 0.5, 0.9, 0.1, 0], 3))).toEqual([1, 0]);
  });

  it("counts a fault mistaken for another fault as right for fault versus normal", () => {
    expect(binaryAccuracy([0, 1, 2, 3], [0, 2, 0, 1], 0)).toBeCloseTo(0.75);
  });
});

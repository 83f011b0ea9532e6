import { describe, expect, it } from "vitest";
import { SCALAR_FEATURES } from "../../../src/features/scalar.js";
import { featuresOf } from "./helpers.js";

const names = [...SCALAR_FEATURES].map((n) => `${n}@temp`);

describe("scalar window features", () => {
  // [case, samples, window sample rate, expected s_mean, s_min, s_max, s_std, s_slope, s_last]
  const cases: [string, number[], number, number[]][] = [
    [
      "a ramp of 0.5 per sample at 2 Hz rises 1 per second",
      [10, 10.5, 11, 11.5, 12],
      2,
      [11, 10, 12, Math.sqrt(0.5), 1, 12],
    ],
    [
      "the same ramp without a sample rate rises 0.5 per sample",
      [10, 10.5, 11, 11.5, 12],
      Number.NaN,
      [11, 10, 12, Math.sqrt(0.5), 0.5, 12],
    ],
    ["a falling ramp at 0.1 Hz", [3, 2, 1], 0.1, [2, 1, 3, Math.sqrt(2 / 3), -0.1, 1]],
    ["a flat series has no slope and no spread", [21.5, 21.5, 21.5, 21.5], 1, [21.5, 21.5, 21.5, 0, 0, 21.5]],
    ["one reading has slope 0", [-4], 1, [-4, -4, -4, 0, 0, -4]],
    ["a V shape has slope 0 and its last value", [2, 0, 2], 1, [4 / 3, 0, 2, Math.sqrt(8 / 9), 0, 2]],
  ];

  it.each(cases)("%s", (_, values, rate, expected) => {
    const got = featuresOf(names, { temp: Float32Array.from(values) }, {}, rate);
    got.forEach((v, i) => {
      expect(v, names[i]).toBeCloseTo(expected[i]!, 5);
    });
  });

  it("a least-squares slope sees through noise around a trend", () => {
    // 60 readings at 1 Hz: 0.02 per second plus a ±0.3 alternating wobble, whose 30 (up, down)
    // pairs each add −0.3 to Σ(i − 29.5)·x against Σ(i − 29.5)² = 60·(60² − 1)/12.
    const x = Float32Array.from({ length: 60 }, (_, i) => 40 + 0.02 * i + (i % 2 === 0 ? 0.3 : -0.3));
    const [slope] = featuresOf(["s_slope@temp"], { temp: x }, {}, 1);
    expect(slope).toBeCloseTo(0.02 - (30 * 0.3) / ((60 * (60 * 60 - 1)) / 12), 5);
  });

  it("each channel of a time window gets its own statistics", () => {
    const got = featuresOf(["s_last@temp", "s_last@pressure", "s_max@temp"], {
      temp: Float32Array.of(1, 5, 2),
      pressure: Float32Array.of(7, 8),
    });
    expect(got).toEqual([2, 8, 5]);
  });
});

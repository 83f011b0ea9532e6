import { describe, expect, it } from "vitest";
import { TIME_FEATURES } from "../../../src/features/time.js";
import { featuresOf, tone } from "./helpers.js";
import { bearingLikeWindow, close, gaussian, mulberry32, referenceTime } from "./reference.js";

const names = [...TIME_FEATURES];
const SQRT2 = Math.SQRT2;
/** mean|sin| of a sine sampled at 128 points per period: (2/128)·cot(π/128) (→ 2/π for fine sampling). */
const MEAN_ABS_SINE_128 = 2 / 128 / Math.tan(Math.PI / 128);

describe("time features", () => {
  // [case, samples, expected in TIME_FEATURES order]
  const cases: [string, Float32Array, number[]][] = [
    [
      "a sine of amplitude 3 over whole periods (128 samples each)",
      tone(1024, 8, 3),
      [0, 3 / SQRT2, 3 / SQRT2, 3, 6, SQRT2, 0, 1.5, 1 / SQRT2 / MEAN_ABS_SINE_128, 1 / MEAN_ABS_SINE_128],
    ],
    [
      "a square wave of ±2",
      Float32Array.from({ length: 1000 }, (_, i) => (i % 10 < 5 ? 2 : -2)),
      [0, 2, 2, 2, 4, 1, 0, 1, 1, 1],
    ],
    [
      "a constant 0.75 (std 0: skewness and kurtosis are 0)",
      new Float32Array(1024).fill(0.75),
      [0.75, 0, 0.75, 0.75, 0, 1, 0, 0, 1, 1],
    ],
    ["all zeros (every ratio is 0)", new Float32Array(512), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ["one sample", Float32Array.of(-2), [-2, 0, 2, 2, 0, 1, 0, 0, 1, 1]],
  ];

  it.each(cases)("%s has the known values", (_, samples, expected) => {
    const got = featuresOf(names, samples);
    got.forEach((v, i) => {
      expect(Math.abs(v - expected[i]!), `${names[i]}: ${v} vs ${expected[i]}`).toBeLessThan(2e-6);
    });
  });

  it("a single impulse in zeros has skewness and kurtosis of the textbook formula", () => {
    const n = 100;
    const x = new Float32Array(n);
    x[7] = 1;
    const [, , , , , , skewness, kurtosis] = featuresOf(names, x);
    // One value of 1 among n: mean p = 1/n, standardised moments of a Bernoulli(p).
    const p = 1 / n;
    expect(skewness).toBeCloseTo((1 - 2 * p) / Math.sqrt(p * (1 - p)), 4);
    expect(kurtosis).toBeCloseTo((1 - 3 * p + 3 * p * p) / (p * (1 - p)), 3);
  });

  it.each([1, 2, 3, 4, 5, 6])(
    "seeded window %i matches the float64 reference within 1e-6 relative",
    (seed) => {
      const x = seed % 2 === 0 ? bearingLikeWindow(1024, seed) : gaussianWindow(777 * seed, seed);
      const got = featuresOf(names, x);
      const expected = referenceTime(x);
      got.forEach((v, i) => {
        expect(close(v, expected[i]!, 1e-6), `${names[i]}: ${v} vs ${expected[i]}`).toBe(true);
      });
    },
  );
});

function gaussianWindow(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 0.5 + 2 * gaussian(rand) ** 3);
}

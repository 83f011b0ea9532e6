import { describe, expect, it } from "vitest";
import { BluesteinPlan } from "../../../src/features/bluestein.js";
import { dftPlan } from "../../../src/features/dft-plan.js";
import { FftPlan, isPowerOfTwo, nextPowerOfTwo } from "../../../src/features/fft.js";
import { directDft, gaussian, mulberry32 } from "./reference.js";

function randomComplex(n: number, seed: number): [Float64Array, Float64Array] {
  const rand = mulberry32(seed);
  return [
    Float64Array.from({ length: n }, () => gaussian(rand)),
    Float64Array.from({ length: n }, () => gaussian(rand)),
  ];
}

/** Largest |a − b| over the first `count` entries, relative to the largest |b|. */
function maxRelError(
  a: [Float64Array, Float64Array],
  b: [Float64Array, Float64Array],
  count: number,
): number {
  let err = 0;
  let scale = 0;
  for (let k = 0; k < count; k++) {
    err = Math.max(err, Math.abs(a[0][k]! - b[0][k]!), Math.abs(a[1][k]! - b[1][k]!));
    scale = Math.max(scale, Math.abs(b[0][k]!), Math.abs(b[1][k]!));
  }
  return err / scale;
}

const SIZES = [1, 2, 4, 8, 16, 64, 512, 1024, 2048, 3, 5, 6, 12, 100, 1000, 1500];

describe("DFT plans", () => {
  it.each(SIZES)("the complex forward transform of length %i matches a direct DFT", (n) => {
    const [re, im] = randomComplex(n, n);
    const expected = directDft(re, im);
    dftPlan(n).forward(re, im);
    expect(maxRelError([re, im], expected, n)).toBeLessThan(1e-12);
  });

  it.each(SIZES)("the inverse transform of length %i undoes the forward one", (n) => {
    const [re, im] = randomComplex(n, 1000 + n);
    const [re0, im0] = [re.slice(), im.slice()];
    const plan = dftPlan(n);
    plan.forward(re, im);
    plan.inverse(re, im);
    expect(maxRelError([re, im], [re0, im0], n)).toBeLessThan(1e-12);
  });

  it.each(SIZES)("the real transform of length %i gives bins 0 … N/2 of the complex one", (n) => {
    const [x] = randomComplex(n, 2000 + n);
    const expected = directDft(x, new Float64Array(n));
    const bins = (n >> 1) + 1;
    const re = new Float64Array(bins);
    const im = new Float64Array(bins);
    dftPlan(n).realForward(x, re, im);
    expect(maxRelError([re, im], expected, bins)).toBeLessThan(1e-12);
  });

  it("picks radix-2 for powers of two and Bluestein otherwise, and reuses plans", () => {
    expect(dftPlan(1024)).toBeInstanceOf(FftPlan);
    expect(dftPlan(1000)).toBeInstanceOf(BluesteinPlan);
    expect(dftPlan(1024)).toBe(dftPlan(1024));
  });

  it("a unit impulse transforms to a flat spectrum and a cosine on bin 3 to two lines", () => {
    const n = 16;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    re[0] = 1;
    dftPlan(n).forward(re, im);
    expect([...re]).toEqual(Array(n).fill(1));
    const x = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 3 * i) / n));
    const out = [new Float64Array(9), new Float64Array(9)] as const;
    dftPlan(n).realForward(x, out[0], out[1]);
    const magnitudes = Array.from(out[0], (r, k) => Math.round(Math.hypot(r, out[1][k]!) * 1e9) / 1e9);
    expect(magnitudes).toEqual([0, 0, 0, 8, 0, 0, 0, 0, 0]);
  });

  it.each([
    [0, false],
    [1, true],
    [6, false],
    [1024, true],
    [1.5, false],
  ])("isPowerOfTwo(%d) is %s", (n, expected) => {
    expect(isPowerOfTwo(n)).toBe(expected);
  });

  it("nextPowerOfTwo rounds up", () => {
    expect([1, 2, 3, 1000, 1024, 1025].map(nextPowerOfTwo)).toEqual([1, 2, 4, 1024, 1024, 2048]);
  });

  it("refuses a size that is not a positive integer", () => {
    expect(() => dftPlan(0)).toThrow(RangeError);
    expect(() => new FftPlan(12)).toThrow(RangeError);
  });
});

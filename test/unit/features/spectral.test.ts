import { describe, expect, it } from "vitest";
import { SPECTRAL_FEATURES } from "../../../src/features/spectral.js";
import { featuresOf, tone } from "./helpers.js";
import { bearingLikeWindow, close, gaussian, mulberry32, referenceBands } from "./reference.js";

const bands = [...SPECTRAL_FEATURES];

describe("spectral band features", () => {
  it.each([
    [1024, 1],
    [1024, 2],
    [2048, 3],
    [4096, 4],
    [1000, 5],
    [1500, 6],
    [97, 7],
    [12, 8],
  ])("a seeded %i-sample window (seed %i) matches a direct float64 DFT within 1e-6 relative", (n, seed) => {
    const x = bearingLikeWindow(n, seed);
    const got = featuresOf(bands, x);
    const expected = referenceBands(x);
    got.forEach((v, b) => {
      expect(close(v, expected[b]!, 1e-6), `band${b}: ${v} vs ${expected[b]}`).toBe(true);
    });
  });

  it("white noise spreads its energy about evenly over the six bands", () => {
    const rand = mulberry32(42);
    const x = Float32Array.from({ length: 4096 }, () => gaussian(rand));
    const got = featuresOf(bands, x);
    for (const v of got) expect(v).toBeGreaterThan(0.12);
    expect(got.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
  });

  // For 1024 samples: bins 1..512, bands of 85 bins, band 5 = bins 426..512. A Hann-windowed tone
  // on bin k puts its energy in bins k−1..k+1 (powers 1/16, 1/4, 1/16 of the peak's scale).
  it.each([
    [3, 0],
    [84, 0],
    [87, 1],
    [300, 3],
    [424, 4],
    [427, 5],
    [510, 5],
  ])("a pure tone on bin %i lands in band %i", (bin, band) => {
    const got = featuresOf(bands, tone(1024, bin, 2.5, 0.3));
    expect(got[band]).toBeGreaterThan(0.999);
  });

  it("a tone on the first bin of band 5 splits 1:5 with band 4 through the Hann main lobe", () => {
    const got = featuresOf(bands, tone(1024, 426, 1, 0.1));
    expect(got[4]).toBeCloseTo(1 / 6, 3);
    expect(got[5]).toBeCloseTo(5 / 6, 3);
  });

  it.each([
    ["a constant", new Float32Array(1024).fill(3.25)],
    ["all zeros", new Float32Array(1024)],
    ["one sample", Float32Array.of(1)],
  ])("%s gives all-zero fractions", (_, x) => {
    expect(featuresOf(bands, x)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("does not depend on the signal's scale or offset", () => {
    const x = bearingLikeWindow(1024, 9);
    const y = Float32Array.from(x, (v) => 4 * v + 10);
    const a = featuresOf(bands, x);
    const b = featuresOf(bands, y);
    a.forEach((v, i) => {
      expect(close(b[i]!, v, 1e-5)).toBe(true);
    });
  });
});

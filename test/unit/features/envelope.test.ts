import { describe, expect, it } from "vitest";
import { overlappingOrders } from "../../../src/features/envelope.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { CWRU_ORDERS, featuresOf, windowOf } from "./helpers.js";
import {
  bearingLikeWindow,
  close,
  gaussian,
  mulberry32,
  referenceEnvelope,
  referenceLineRatio,
} from "./reference.js";

const FS = 12000;
const RPM = 1796;
const SHAFT_HZ = RPM / 60;
const params = { shaftRpm: RPM, defectOrders: CWRU_ORDERS };

/** Carrier on a bin, amplitude-modulated by (1 + m·cos) on another bin, plus seeded noise. */
function amSignal(
  n: number,
  carrierBin: number,
  modulationBin: number,
  m: number,
  noise: number,
): Float32Array {
  const rand = mulberry32(carrierBin * 31 + modulationBin);
  return Float32Array.from({ length: n }, (_, i) => {
    const envelope = 1 + m * Math.cos((2 * Math.PI * modulationBin * i) / n);
    return envelope * Math.cos((2 * Math.PI * carrierBin * i) / n) + noise * gaussian(rand);
  });
}

/** Decaying 3 kHz bursts repeating at `defectHz` (a bearing fault's impacts), plus noise. */
function impacts(n: number, defectHz: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, (_, i) => {
    const since = (i / FS) % (1 / defectHz);
    return Math.exp(-since * 900) * Math.sin(2 * Math.PI * 3000 * since) + 0.1 * gaussian(rand);
  });
}

describe("envelope features", () => {
  const lineSpecs = ["env_bpfo", "env_bpfi", "env_bsf", "env_ftf", "env_bpfo_h2", "env_bsf_h2"];
  const specs = [...lineSpecs, "env_kurtosis", "env_rms_ratio"];

  it.each([
    [1024, 1],
    [2048, 2],
    [1000, 3],
  ])("a seeded %i-sample window (seed %i) matches a direct-DFT Hilbert reference within 1e-6", (n, seed) => {
    const x = bearingLikeWindow(n, seed);
    const got = featuresOf(specs, x, params);
    const ref = referenceEnvelope(x, FS, [2000, 5000]);
    const lines = [
      CWRU_ORDERS.bpfo,
      CWRU_ORDERS.bpfi,
      CWRU_ORDERS.bsf,
      CWRU_ORDERS.ftf,
      2 * CWRU_ORDERS.bpfo,
      2 * CWRU_ORDERS.bsf,
    ];
    const expected = [
      ...lines.map((o) => referenceLineRatio(ref, o * SHAFT_HZ)),
      ref.kurtosis,
      ref.bandRmsRatio,
    ];
    got.forEach((v, i) => {
      expect(close(v, expected[i]!, 1e-6), `${specs[i]}: ${v} vs ${expected[i]}`).toBe(true);
    });
  });

  it("an amplitude-modulated carrier shows its modulation line, and nothing at the other defects", () => {
    const n = 2048;
    // Modulation on bin 18 (105.47 Hz) taken as BPFO: shaft speed = 105.47 / 3.5848.
    const shaftHz = (18 * FS) / n / CWRU_ORDERS.bpfo;
    const x = amSignal(n, 512, 18, 0.5, 0.05);
    const [bpfo, bpfi, bsf, ftf] = featuresOf(lineSpecs, x, { shaftHz, defectOrders: CWRU_ORDERS });
    // Where nothing stands out the ratio is about 1 (noise bins: 0.2 to 3.5 over seeds).
    expect(bpfo).toBeGreaterThan(20);
    for (const other of [bpfi, bsf, ftf]) expect(other).toBeLessThan(4);
  });

  it("the envelope of 1 + m·cos has kurtosis 1.5 and the band holds all the energy", () => {
    const [kurtosis, rmsRatio] = featuresOf(
      ["env_kurtosis", "env_rms_ratio"],
      amSignal(2048, 512, 18, 0.5, 0),
      params,
    );
    expect(kurtosis).toBeCloseTo(1.5, 5);
    expect(rmsRatio).toBeCloseTo(1, 6);
  });

  it("the line ratios do not depend on the signal's scale", () => {
    const x = bearingLikeWindow(2048, 11);
    const y = Float32Array.from(x, (v) => -7.5 * v + 2);
    const a = featuresOf(specs, x, params);
    const b = featuresOf(specs, y, params);
    a.forEach((v, i) => {
      expect(close(b[i]!, v, 1e-5), `${specs[i]}: ${b[i]} vs ${v}`).toBe(true);
    });
  });

  it.each([
    ["a constant", new Float32Array(2048).fill(1.5)],
    [
      "a pure in-band tone (flat envelope)",
      Float32Array.from({ length: 2048 }, (_, i) => Math.cos((2 * Math.PI * 512 * i) / 2048)),
    ],
    [
      "a tone below the band (no envelope)",
      Float32Array.from({ length: 2048 }, (_, i) => Math.cos((2 * Math.PI * 50 * i) / 2048)),
    ],
  ])("%s gives 0 for every line and for the kurtosis", (_, x) => {
    const got = featuresOf(specs, x, params);
    expect(got.slice(0, lineSpecs.length + 1)).toEqual(Array(lineSpecs.length + 1).fill(0));
  });

  it("a tone below the band leaves no energy in it", () => {
    const x = Float32Array.from({ length: 2048 }, (_, i) => Math.cos((2 * Math.PI * 50 * i) / 2048));
    expect(featuresOf(["env_rms_ratio"], x, params)[0]).toBeLessThan(1e-6);
  });

  it("reads the shaft speed from the window's rpm channel, falling back to shaftHz", () => {
    const x = bearingLikeWindow(2048, 5);
    const fromParams = featuresOf(lineSpecs, x, params);
    const rpm = new Float32Array(16).fill(RPM);
    const rpmParams = { rpmChannel: "rpm", defectOrders: CWRU_ORDERS, shaftHz: 50 };
    expect(featuresOf(lineSpecs, { acc: x, rpm }, rpmParams)).toEqual(fromParams);
    expect(featuresOf(lineSpecs, { acc: x }, rpmParams)).toEqual(
      featuresOf(lineSpecs, x, { ...params, shaftRpm: 3000 }),
    );
    const noFallback = featuresOf(lineSpecs, { acc: x }, { rpmChannel: "rpm", defectOrders: CWRU_ORDERS });
    expect(noFallback.every(Number.isNaN)).toBe(true);
  });

  it("uses the window's sample rate, and the nominal one when the window has none", () => {
    const x = bearingLikeWindow(2048, 6);
    const extractor = new FeatureExtractor(["env_bpfo"], {
      primaryChannel: "acc",
      sampleRateHz: FS,
      windowSamples: 2048,
      params,
    });
    const out = new Float32Array(3);
    extractor.compute(windowOf({ acc: x }, FS), out, 0);
    extractor.compute(windowOf({ acc: x }, Number.NaN), out, 1);
    extractor.compute(windowOf({ acc: x }, 2 * FS), out, 2);
    expect(out[1]).toBe(out[0]);
    expect(out[2]).not.toBe(out[0]);
  });

  describe("lines that overlap another defect's harmonic", () => {
    it("finds that 2×BPFI and 3×BPFO of the CWRU bearing overlap, and that the fundamentals do not", () => {
      expect(overlappingOrders(2 * CWRU_ORDERS.bpfi, "bpfi", CWRU_ORDERS)).toEqual([CWRU_ORDERS.bpfo]);
      for (const [key, order] of Object.entries(CWRU_ORDERS)) {
        expect(overlappingOrders(order, key, CWRU_ORDERS), key).toEqual([]);
      }
    });

    it("an outer-race fault does not light up env_bpfi_h2 through its 3rd harmonic", () => {
      const x = impacts(2048, CWRU_ORDERS.bpfo * SHAFT_HZ, 1);
      const [attributed] = featuresOf(["env_bpfi_h2"], x, params);
      const [raw] = featuresOf(["env_bpfi_h2"], x, {
        shaftRpm: RPM,
        defectOrders: { bpfi: CWRU_ORDERS.bpfi },
      });
      expect(raw).toBeGreaterThan(5);
      expect(attributed).toBeLessThan(raw! / 3);
    });

    it("an inner-race fault keeps its env_bpfi_h2", () => {
      const x = impacts(2048, CWRU_ORDERS.bpfi * SHAFT_HZ, 2);
      const [attributed] = featuresOf(["env_bpfi_h2"], x, params);
      const [raw] = featuresOf(["env_bpfi_h2"], x, {
        shaftRpm: RPM,
        defectOrders: { bpfi: CWRU_ORDERS.bpfi },
      });
      expect(raw).toBeGreaterThan(5);
      expect(attributed).toBe(raw);
    });
  });
});

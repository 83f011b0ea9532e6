import { describe, expect, it } from "vitest";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import {
  type BearingCondition,
  createBearingSignal,
  SKF_6205_ORDERS,
} from "../../../src/sim/bearing-signal.js";

const FS = 12000;
const RPM = 1797;

function stats(x: Float32Array) {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let m2 = 0;
  let m4 = 0;
  let peak = 0;
  for (const v of x) {
    const d = v - m;
    m2 += d * d;
    m4 += d ** 4;
    peak = Math.max(peak, Math.abs(v));
  }
  m2 /= x.length;
  m4 /= x.length;
  return { rms: Math.sqrt(m2), kurtosis: m4 / (m2 * m2), peak };
}

/** Median of a feature over `windows` consecutive 2048-sample windows of one stream. */
function medianFeature(name: string, condition: BearingCondition, severity: number, windows = 15): number {
  const fx = new FeatureExtractor([name], {
    primaryChannel: "vibration",
    sampleRateHz: FS,
    windowSamples: 2048,
    params: { shaftRpm: RPM, defectOrders: { ...SKF_6205_ORDERS }, envelopeBandHz: [2500, 4000] },
  });
  const sig = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 11 });
  const out = new Float32Array(1);
  const values: number[] = [];
  for (let w = 0; w < windows; w++) {
    const x = sig.next(2048, condition, severity);
    fx.compute({ channel: "vibration", t0Ms: 0, tsMs: 0, sampleRateHz: FS, channels: { vibration: x } }, out);
    values.push(out[0]!);
  }
  return values.sort((a, b) => a - b)[Math.floor(windows / 2)]!;
}

describe("createBearingSignal", () => {
  it("gives the same stream whether it is read in one block or in blocks of other sizes", () => {
    for (const condition of ["normal", "outer_race", "inner_race", "ball"] as const) {
      const whole = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 3 }).next(
        6000,
        condition,
        0.8,
      );
      const split = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 3 });
      const parts = [
        split.next(1000, condition, 0.8),
        split.next(2048, condition, 0.8),
        split.next(2952, condition, 0.8),
      ];
      const joined = new Float32Array(6000);
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.length;
      }
      expect(Buffer.from(joined.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    }
  });

  it("repeats itself for a seed and differs for another", () => {
    const a = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 1 }).next(512, "normal", 0);
    const b = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 1 }).next(512, "normal", 0);
    const c = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 2 }).next(512, "normal", 0);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("puts a healthy bearing near CWRU's healthy level: ~0.07 g rms, Gaussian-like", () => {
    const s = stats(
      createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 4 }).next(24000, "normal", 0),
    );
    expect(s.rms).toBeGreaterThan(0.04);
    expect(s.rms).toBeLessThan(0.1);
    expect(s.kurtosis).toBeGreaterThan(2.6);
    expect(s.kurtosis).toBeLessThan(3.5);
  });

  it("makes an outer-race fault at full severity impulsive at CWRU's levels (0.2-0.8 g rms, peaks under 5 g)", () => {
    const s = stats(
      createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 4 }).next(24000, "outer_race", 1),
    );
    expect(s.rms).toBeGreaterThan(0.2);
    expect(s.rms).toBeLessThan(0.8);
    expect(s.peak).toBeLessThan(5);
    expect(s.kurtosis).toBeGreaterThan(5);
  });

  it("grows with severity, and severity 0 is a healthy bearing", () => {
    const rms = (c: BearingCondition, sev: number) =>
      stats(createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 5 }).next(12000, c, sev)).rms;
    expect(rms("outer_race", 0)).toBe(rms("normal", 0));
    expect(rms("outer_race", 0.3)).toBeLessThan(rms("outer_race", 0.6));
    expect(rms("outer_race", 0.6)).toBeLessThan(rms("outer_race", 1));
  });

  it("shows each fault's line in the envelope spectrum at its defect frequency, and none when healthy", () => {
    expect(medianFeature("env_bpfo", "outer_race", 0.6)).toBeGreaterThan(5);
    expect(medianFeature("env_bpfo", "normal", 0)).toBeLessThan(2.5);
    expect(medianFeature("env_bpfi", "inner_race", 0.6)).toBeGreaterThan(5);
    expect(medianFeature("env_bpfi", "normal", 0)).toBeLessThan(2.5);
    // A ball defect strikes twice per ball spin: its line is at 2 × BSF.
    expect(medianFeature("env_bsf_h2", "ball", 1)).toBeGreaterThan(4);
  });

  it("modulates an inner-race fault at shaft speed: its envelope has a line at 1× shaft", () => {
    const params = {
      shaftRpm: RPM,
      defectOrders: { shaft: 1 },
      envelopeBandHz: [2500, 4000] as [number, number],
    };
    const fx = new FeatureExtractor(["env_shaft"], {
      primaryChannel: "v",
      sampleRateHz: FS,
      windowSamples: 4096,
      params,
    });
    const out = new Float32Array(1);
    const line = (c: BearingCondition) => {
      const x = createBearingSignal({ sampleRateHz: FS, shaftRpm: RPM, seed: 6 }).next(4096, c, 1);
      fx.compute({ channel: "v", t0Ms: 0, tsMs: 0, sampleRateHz: FS, channels: { v: x } }, out);
      return out[0]!;
    };
    expect(line("inner_race")).toBeGreaterThan(3);
    expect(line("outer_race")).toBeLessThan(line("inner_race") / 2);
  });
});

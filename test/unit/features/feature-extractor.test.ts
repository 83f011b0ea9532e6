import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { isFeatureError } from "../../../src/features/feature-error.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { CWRU_ORDERS, featuresOf, WORKLOAD_FEATURES, windowOf } from "./helpers.js";
import { bearingLikeWindow, close, referenceBands, referenceTime } from "./reference.js";

function extractor(specs: readonly string[], windowSamples = 1024, params = {}): FeatureExtractor {
  return new FeatureExtractor(specs, { primaryChannel: "acc", sampleRateHz: 12000, windowSamples, params });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isFeatureError(e) ? e.code : "not a FeatureError";
  }
  return undefined;
}

/**
 * Bytes allocated in V8's young generation per call of fn, as the median over chunks of calls,
 * after calling it for 150 ms so that the optimising compiler has settled (unoptimised code boxes
 * numbers, so a cold function allocates even when its optimised form does not).
 */
function youngBytesPerCall(fn: () => void, calls: number): number {
  const used = (): number =>
    v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_used_size;
  for (const start = performance.now(); performance.now() - start < 150; ) for (let i = 0; i < 100; i++) fn();
  const deltas: number[] = [];
  for (let chunk = 0; chunk < 15; chunk++) {
    const before = used();
    for (let i = 0; i < calls; i++) fn();
    deltas.push(used() - before);
  }
  deltas.sort((a, b) => a - b);
  return deltas[7]! / calls;
}

describe("FeatureExtractor", () => {
  it("computes the workload's 16 features as a direct float64 reference does, within 1e-6 relative", () => {
    const ex = extractor(WORKLOAD_FEATURES);
    const out = new Float32Array(16);
    for (let seed = 100; seed < 108; seed++) {
      const x = bearingLikeWindow(1024, seed);
      ex.compute(windowOf({ acc: x }), out);
      const expected = [...referenceTime(x), ...referenceBands(x)];
      out.forEach((v, i) => {
        expect(
          close(v, expected[i]!, 1e-6),
          `seed ${seed} ${WORKLOAD_FEATURES[i]}: ${v} vs ${expected[i]}`,
        ).toBe(true);
      });
    }
  });

  it("names its features as given and writes them at the offset, leaving the rest alone", () => {
    const ex = extractor(["rms", "peak@acc"]);
    expect(ex.names).toEqual(["rms", "peak@acc"]);
    expect(ex.size).toBe(2);
    const out = new Float32Array(5).fill(-1);
    ex.compute(windowOf({ acc: Float32Array.of(3, -4, 3, -4) }), out, 2);
    expect([...out]).toEqual([-1, -1, Math.fround(Math.sqrt(12.5)), 4, -1]);
  });

  it("computes each window afresh: nothing is carried over from the previous window", () => {
    const specs = [...WORKLOAD_FEATURES, "env_bpfo", "env_kurtosis"];
    const params = { shaftRpm: 1796, defectOrders: CWRU_ORDERS };
    const ex = extractor(specs, 2048, params);
    const a = bearingLikeWindow(2048, 1);
    const b = bearingLikeWindow(2048, 2);
    const out = new Float32Array(specs.length);
    ex.compute(windowOf({ acc: a }), out);
    ex.compute(windowOf({ acc: b }), out);
    expect([...out]).toEqual(featuresOf(specs, b, params));
  });

  it("handles windows of another length than the nominal one, before and after", () => {
    const ex = extractor(["band0", "band5", "env_kurtosis"], 1024);
    const out = new Float32Array(3);
    for (const n of [1024, 2048, 1000, 1024]) {
      const x = bearingLikeWindow(n, n);
      ex.compute(windowOf({ acc: x }), out);
      expect([...out], `length ${n}`).toEqual(featuresOf(["band0", "band5", "env_kurtosis"], x));
    }
  });

  it("reads each feature's own channel and gives NaN for a channel the window lacks", () => {
    const ex = extractor(["peak", "peak@b", "peak@c", "s_last@b"]);
    const out = new Float32Array(4);
    ex.compute(
      windowOf({ acc: Float32Array.of(1, -2), b: Float32Array.of(5, 3), c: new Float32Array(0) }),
      out,
    );
    expect([...out]).toEqual([2, 5, Number.NaN, 3]);
    ex.compute(windowOf({ b: Float32Array.of(1) }), out);
    expect([...out]).toEqual([Number.NaN, 1, Number.NaN, 1]);
  });

  it.each([
    ["an unknown feature", ["rms", "wobble"], "EA_FEATURE_UNKNOWN"],
    ["a feature without its parameters", ["rms", "env_bpfo"], "EA_FEATURE_PARAMS"],
    ["both: the unknown one wins the code", ["wobble", "env_bpfo"], "EA_FEATURE_UNKNOWN"],
  ])("refuses %s with a coded error", (_, specs, code) => {
    expect(codeOf(() => extractor(specs))).toBe(code);
  });

  it("lists every bad spec in the error", () => {
    try {
      extractor(["wobble", "rms", "env_bpfo", "band7"]);
      expect.unreachable();
    } catch (e) {
      if (!isFeatureError(e)) throw e;
      expect(e.problems).toHaveLength(3);
      expect(e.message).toMatch(/3 bad feature spec\(s\): unknown feature "wobble".*env_bpfo needs.*"band7"/);
    }
  });

  it("refuses an envelope band above the nominal Nyquist frequency", () => {
    const make = (): FeatureExtractor =>
      new FeatureExtractor(["env_kurtosis"], {
        primaryChannel: "acc",
        sampleRateHz: 2000,
        windowSamples: 256,
        params: {},
      });
    expect(codeOf(make)).toBe("EA_FEATURE_PARAMS");
  });

  it("refuses an output array too short for the features at the offset", () => {
    const ex = extractor(["rms", "peak"]);
    const w = windowOf({ acc: Float32Array.of(1) });
    expect(codeOf(() => ex.compute(w, new Float32Array(2), 1))).toBe("EA_FEATURE_OUTPUT");
    expect(codeOf(() => ex.compute(w, new Float32Array(2), -1))).toBe("EA_FEATURE_OUTPUT");
  });

  it.each([
    ["the workload's 16 features", WORKLOAD_FEATURES, 1024],
    [
      "the envelope family",
      ["env_bpfo", "env_bpfi", "env_bpfi_h2", "env_ftf", "env_kurtosis", "env_rms_ratio"],
      2048,
    ],
    ["scalar statistics", ["s_mean", "s_std", "s_slope", "s_last"], 60],
  ])("allocates nothing per window for %s", (_, specs, n) => {
    const ex = extractor(specs, n, { shaftRpm: 1796, defectOrders: CWRU_ORDERS });
    const w = windowOf({ acc: bearingLikeWindow(n, 3) });
    const out = new Float32Array(ex.size);
    const baseline = youngBytesPerCall(() => {}, 500);
    const perWindow = youngBytesPerCall(() => ex.compute(w, out), 500);
    // One boxed number per window would be 16 bytes.
    expect(perWindow - baseline).toBeLessThan(8);
  });

  it("allocates nothing per window for two-channel derived features", () => {
    const ex = new FeatureExtractor(["x_diff@acc:temp", "x_prod@temp:acc", "s_last@temp", "rms"], {
      primaryChannel: "acc",
      sampleRateHz: Number.NaN,
      windowSamples: 60,
      params: {},
    });
    const w = windowOf({ acc: bearingLikeWindow(60, 3), temp: bearingLikeWindow(60, 5) }, Number.NaN);
    const out = new Float32Array(ex.size);
    const baseline = youngBytesPerCall(() => {}, 500);
    const perWindow = youngBytesPerCall(() => ex.compute(w, out), 500);
    expect(perWindow - baseline).toBeLessThan(8);
  });
});

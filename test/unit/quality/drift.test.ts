import { describe, expect, it } from "vitest";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { AssetQuality } from "../../../src/quality/asset-quality.js";
import { binIndex, psi, trainingBinsOf } from "../../../src/quality/training-bins.js";
import { createBearingSignal } from "../../../src/sim/bearing-signal.js";
import { DriftMonitor } from "../../../src/quality/drift-monitor.js";
import { mulberry32 } from "../../../src/training/prng.js";
import { driftStats, featureBins } from "../../../src/training/training-stats.js";
import { assetOf, blockWindow, manifestOf, recordingHost, vibrationProfile } from "./fixtures.js";

const N = 2048;
const FEATURES = ["rms", "kurtosis", "crest", "band1", "band3", "env_bpfo"];
const PARAMS = {
  shaftRpm: 1797,
  defectOrders: { bpfo: 3.5848 },
  envelopeBandHz: [2500, 4000] as [number, number],
};

/** Feature rows of `windows` consecutive simulator windows (normal bearing), sensor gain `gain`. */
function simulate(seed: number, windows: number, gain = 1): { X: Float32Array; raw: Float32Array[] } {
  const sim = createBearingSignal({ sampleRateHz: 12000, shaftRpm: 1797, seed });
  const fx = new FeatureExtractor(FEATURES, {
    primaryChannel: "vibration",
    sampleRateHz: 12000,
    windowSamples: N,
    params: PARAMS,
  });
  const X = new Float32Array(windows * FEATURES.length);
  const raw: Float32Array[] = [];
  for (let i = 0; i < windows; i++) {
    const x = sim.next(N, "normal", 0).map((v) => v * gain);
    raw.push(x);
    fx.compute(blockWindow(x, i * 170), X, i * FEATURES.length);
  }
  return { X, raw };
}

describe("training bins and the population stability index", () => {
  it.each([
    [[1, 2, 3], 0.5, 0],
    [[1, 2, 3], 1, 1],
    [[1, 2, 3], 2.5, 2],
    [[1, 2, 3], 3, 3],
    [[1, 2, 3], 99, 3],
  ])("edges %j put %d in bin %d", (edges, x, bin) => {
    expect(binIndex(Float64Array.from(edges), x)).toBe(bin);
  });

  it("is 0 for identical shares and grows with the shift", () => {
    const e = Float64Array.of(0.25, 0.25, 0.25, 0.25);
    expect(psi(e, Int32Array.of(25, 25, 25, 25), 0, 100)).toBe(0);
    const small = psi(e, Int32Array.of(30, 25, 25, 20), 0, 100);
    const large = psi(e, Int32Array.of(0, 0, 10, 90), 0, 100);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(1);
  });

  it("reads featureBins, and the older p01/p50/p99 quantiles as four bins", () => {
    const { bins, problems } = trainingBinsOf({
      featureBins: {
        a: { edges: [1, 2], shares: [0.3, 0.4, 0.3], rows: 10 },
        bad: { edges: [2, 1], shares: [0.5, 0.2, 0.3] },
      },
      featureQuantiles: { b: { p01: 0, p50: 1, p99: 2 } },
      quantiles: { c: { p01: 0, p50: 0, p99: 1 } },
    });
    expect(problems).toEqual(["trainingStats.featureBins.bad: edges must increase strictly"]);
    expect([...bins.get("a")!.shares]).toEqual([0.3, 0.4, 0.3]);
    expect([...bins.get("b")!.edges]).toEqual([0, 1, 2]);
    expect([...bins.get("b")!.shares]).toEqual([0.01, 0.49, 0.49, 0.01]);
    // Tied percentiles merge their bins.
    expect([...bins.get("c")!.edges]).toEqual([0, 1]);
    expect([...bins.get("c")!.shares].map((s) => Number(s.toFixed(2)))).toEqual([0.01, 0.98, 0.01]);
  });

  it("featureBins gives roughly equal shares, counted with the agent's bin rule", () => {
    const X = Float32Array.from({ length: 1000 }, (_, i) => i % 100);
    const b = featureBins(X, ["x"], 10).x!;
    expect(b.edges).toHaveLength(9);
    expect(b.shares.reduce((a, s) => a + s, 0)).toBeCloseTo(1, 3);
    for (const s of b.shares) expect(s).toBeCloseTo(0.1, 2);
  });
});

describe("drift of a model's input, on the bearing simulator", () => {
  // Training statistics from one simulated healthy bearing (seed 1), as a training script writes them.
  const train = simulate(1, 400);
  const trainingStats = { featureBins: featureBins(train.X, FEATURES) };

  function feed(raw: readonly Float32Array[]) {
    const profile = vibrationProfile({
      model: { name: "m", params: PARAMS },
      quality: { drift: { windows: 200, everyWindows: 25, evaluations: 2 }, flatline: { enabled: false } },
    });
    const q = new AssetQuality(assetOf(profile), manifestOf(FEATURES, trainingStats), FEATURES, "f");
    const host = recordingHost();
    q.attach(host, []);
    const fx = new FeatureExtractor(FEATURES, {
      primaryChannel: "vibration",
      sampleRateHz: 12000,
      windowSamples: N,
      params: PARAMS,
    });
    const row = new Float32Array(FEATURES.length);
    raw.forEach((x, i) => {
      const w = blockWindow(x, 1_700_000_000_000 + i * 170.67);
      if (!q.admit(w)) return;
      fx.compute(w, row);
      q.features(w, row);
      host.t += 171;
    });
    return { q, host };
  }

  it("is not raised on held-back windows of the training distribution (another seed)", () => {
    const { q, host } = feed(simulate(2, 400).raw);
    expect(q.drift!.evaluations).toBeGreaterThanOrEqual(6);
    expect(host.conditions()).toEqual([]);
    expect(Math.max(...q.drift!.lastPsi)).toBeLessThan(0.25);
  });

  it("is raised when the sensor's gain doubles, naming the features that moved", () => {
    const { q, host } = feed(simulate(3, 300, 2).raw);
    expect(host.conditions()).toEqual([["raise", "model_out_of_distribution"]]);
    const raise = host.events.find((e) => e.kind === "advice");
    const msg = raise?.kind === "advice" ? JSON.parse(raise.payload) : null;
    expect(msg).toMatchObject({ class: "model_out_of_distribution", severity: "info", transition: "raise" });
    expect(msg.detail.maxPsi).toBeGreaterThan(0.25);
    // Scale-free shape features barely move; levels do.
    expect(["rms", "band1", "band3"]).toContain(msg.detail.feature);
    expect(q.snapshot().conditions).toEqual(["model_out_of_distribution"]);
  });

  it("clears once the input is back to the training distribution", () => {
    const shifted = simulate(4, 200, 2).raw;
    const back = simulate(5, 400).raw;
    const { host } = feed([...shifted, ...back]);
    expect(host.conditions()).toEqual([
      ["raise", "model_out_of_distribution"],
      ["recover", "model_out_of_distribution"],
    ]);
  });
});

describe("drift per predicted class, for a model trained on a mixture", () => {
  // Training: half the rows around 0 (class normal), half around 10 (class fault).
  const r = mulberry32(11);
  const n = 2000;
  const X = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 10) + r() - 0.5);
  const y = Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
  const stats = driftStats(X, ["x"], y, ["normal", "fault"]);

  function run(perClass: boolean, value: () => number, cls: number) {
    const t = trainingBinsOf(perClass ? stats : { featureBins: stats.featureBins }, ["normal", "fault"]);
    const d = new DriftMonitor(["x"], t.bins, { windows: 200, everyWindows: 50 }, t.classShares);
    let maxPsi = 0;
    for (let i = 0; i < 400; i++) {
      const due = d.add(Float32Array.of(value()), i);
      if (d.classify(i, cls) || due) maxPsi = Math.max(maxPsi, d.evaluate().maxPsi);
    }
    return { d, maxPsi };
  }

  it("a healthy machine alone is no drift when compared with the training rows of its class", () => {
    const { d, maxPsi } = run(true, () => r() - 0.5, 0);
    expect(d.perClass).toBe(true);
    expect(maxPsi).toBeLessThan(0.15);
  });

  it("the same machine against all training rows looks shifted (why classBins exist)", () => {
    expect(run(false, () => r() - 0.5, 0).maxPsi).toBeGreaterThan(1);
  });

  it("a window the model calls normal but that lies between the classes is drift", () => {
    expect(run(true, () => 5 + r() - 0.5, 0).maxPsi).toBeGreaterThan(1);
  });

  it("rows whose prediction never comes (shed) are dropped, not miscounted", () => {
    const t = trainingBinsOf(stats, ["normal", "fault"]);
    const d = new DriftMonitor(["x"], t.bins, { windows: 50, everyWindows: 10 }, t.classShares);
    for (let i = 0; i < 10; i++) d.add(Float32Array.of(0), i);
    d.classify(9, 0);
    expect(d.unmatched).toBe(9);
    expect(d.rows).toBe(1);
  });
});

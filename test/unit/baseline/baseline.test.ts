import { describe, expect, it } from "vitest";
import { AssetBaseline } from "../../../src/baseline/asset-baseline.js";
import { BaselineDetector } from "../../../src/baseline/baseline-detector.js";
import { anomalyProbability, fitRobustBaseline, robustScore } from "../../../src/baseline/robust-baseline.js";
import { adviceSchema } from "../../../src/config/profile-schema.js";
import { baselineSchema } from "../../../src/config/quality-schema.js";
import { AssetQuality } from "../../../src/quality/asset-quality.js";
import { mulberry32 } from "../../../src/training/prng.js";
import type { Window } from "../../../src/types.js";
import { assetOf, manifestOf, recordingHost } from "../quality/fixtures.js";

describe("the robust baseline", () => {
  it("fits median and 1.4826·MAD, unmoved by a few wild rows", () => {
    const rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000];
    const b = fitRobustBaseline(Float32Array.from(rows), rows.length, ["x"], 0);
    expect(b.median[0]).toBe(5.5);
    // |x − 5.5| sorted: .5 .5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 994.5 → MAD 2.5
    expect(b.scale[0]).toBeCloseTo(1.4826 * 2.5, 6);
  });

  it("gives a quantised feature (MAD 0) the mean absolute deviation, and a constant one a tiny scale", () => {
    const X = Float32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 5, 5].flatMap((v) => [v, 7]));
    const b = fitRobustBaseline(X, 10, ["q", "c"], 0);
    expect(b.scale[0]).toBeCloseTo(1.2533 * 1.2, 6);
    expect(b.scale[1]).toBeCloseTo(8e-6, 12);
    expect(robustScore(b, Float32Array.of(0, 7.001), "max")).toBeGreaterThan(100);
  });

  it.each([
    [6, 6, 1, 0.5],
    [0, 6, 1, 1 / (1 + Math.exp(6))],
    [Number.POSITIVE_INFINITY, 6, 1, 1],
  ])("score %d with threshold %d and softness %d is anomalous with probability %d", (score, t, s, p) => {
    expect(anomalyProbability(score, t, s)).toBeCloseTo(p, 9);
  });

  it("learns for learnWindows rows, hands the fit over, then predicts anomaly with the score as value", () => {
    const fitted: number[] = [];
    const d = new BaselineDetector(["x"], baselineSchema.parse({ learnWindows: 20, threshold: 4 }), (b) =>
      fitted.push(b.rows),
    );
    const r = mulberry32(7);
    for (let i = 0; i < 20; i++) expect(d.observe(Float32Array.of(10 + r() - 0.5), i, i)).toBeNull();
    expect(fitted).toEqual([20]);
    expect(d.phase).toBe("scoring");
    const normal = d.observe(Float32Array.of(10), 20, 20)!;
    expect(normal.className).toBe("normal");
    const odd = d.observe(Float32Array.of(15), 21, 21)!;
    expect(odd).toMatchObject({ className: "anomaly", classIndex: 1, model: "baseline" });
    expect(odd.value).toBeGreaterThan(4);
    expect(odd.confidence).toBeGreaterThan(0.99);
  });

  it("restores a stored fit only for the same features, and relearns on request", () => {
    const d = new BaselineDetector(["a", "b"], baselineSchema.parse({ learnWindows: 10 }));
    const b = fitRobustBaseline(new Float32Array(20), 10, ["a", "b"], 0);
    expect(d.restore({ ...b, features: ["b", "a"] })).toBe(false);
    expect(d.restore(b)).toBe(true);
    expect(d.phase).toBe("scoring");
    d.relearn();
    expect(d.phase).toBe("learning");
  });
});

describe("the baseline's score feeds the advice state machine", () => {
  it("raises and recovers `anomaly` with the profile's k-of-n debounce", () => {
    const ab = new AssetBaseline({
      site: "s1",
      asset: "a1",
      cfg: baselineSchema.parse({ learnWindows: 30, threshold: 5, severity: "alarm", action: "look" }),
      advice: adviceSchema.parse({
        debounce: { k: 3, n: 4 },
        minHoldMs: 0,
        cooldownMs: 0,
        classes: { normal: { severity: "ok" } },
      }),
      rowNames: ["s_mean@flow"],
      extractor: { primaryChannel: "flow", sampleRateHz: 1, windowSamples: 1, params: {} },
      onFitted: () => {},
    });
    const r = mulberry32(3);
    const w: Window = { channel: "flow", t0Ms: 0, tsMs: 0, sampleRateHz: 1, channels: {} };
    const levels = [...Array(30).fill(0), 0, 0, 8, 8, 0, 8, 8, 8, 0, 0, 0, 0];
    const changes: [number, string, string][] = [];
    levels.forEach((shift, i) => {
      const a = ab.observe({ ...w, tsMs: i }, Float32Array.of(100 + shift + r() * 0.5), i * 1000);
      if (a !== null) changes.push([i, a.transition, a.fault]);
    });
    expect(changes).toEqual([
      [35, "raise", "anomaly"],
      [40, "recover", "normal"],
    ]);
    expect(ab.machine.current.fault).toBe("normal");
  });
});

describe("the baseline inside an asset's loop stage", () => {
  const profile = (mode: "beside" | "replace") => ({
    transport: { type: "mqtt" },
    codec: { type: "json-scalar" },
    channels: { flow: {} },
    windowing: { type: "time", durationMs: 1000, minReadings: 1 },
    model: { name: "m" },
    advice: {
      debounce: { k: 2, n: 3 },
      minHoldMs: 0,
      cooldownMs: 0,
      classes: { normal: { severity: "ok" } },
    },
    baseline: { mode, learnWindows: 10, threshold: 5 },
  });

  it.each([
    ["beside", "f/s1/a1/advice/baseline", true],
    ["replace", "f/s1/a1/advice", false],
  ] as const)("in %s mode publishes on %s and sends rows to the model: %s", (mode, topic, toModel) => {
    const q = new AssetQuality(assetOf(profile(mode)), manifestOf(["s_mean@flow"]), ["s_mean@flow"], "f");
    const host = recordingHost();
    q.attach(host, []);
    const r = mulberry32(5);
    const w: Window = {
      channel: "flow",
      t0Ms: 0,
      tsMs: 0,
      sampleRateHz: 1,
      channels: { flow: Float32Array.of(1) },
    };
    const sent: boolean[] = [];
    for (let i = 0; i < 14; i++) {
      const v = i < 12 ? 50 + r() : 80;
      if (q.admit({ ...w, tsMs: i })) sent.push(q.features({ ...w, tsMs: i }, Float32Array.of(v)));
    }
    expect(new Set(sent)).toEqual(new Set([toModel]));
    const fitted = host.events.filter((e) => e.kind === "baseline-fitted");
    expect(fitted).toHaveLength(1);
    const adv = host.events.flatMap((e) => (e.kind === "advice" ? [e] : []));
    expect(adv.map((e) => [e.source, e.topic, e.advice.transition, e.advice.fault])).toEqual([
      ["baseline", topic, "raise", "anomaly"],
    ]);
    // The episode is stored with the rows that voted for it.
    const ep = host.events.find((e) => e.kind === "episode");
    expect(ep?.kind === "episode" && [...ep.evidence.rows].slice(-2)).toEqual([80, 80]);
  });
});

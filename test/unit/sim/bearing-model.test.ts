import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { profileSchema } from "../../../src/config/profile-schema.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { manifestSchema } from "../../../src/inference/manifest-schema.js";
import { type BearingCondition, createBearingSignal } from "../../../src/sim/bearing-signal.js";

/**
 * The demo's promise: the simulator's streams, through the shared feature code and the shipped
 * model, are recognised: a healthy bearing as normal, an outer-race fault as outer_race.
 */
const MODEL_DIR = "models/bearing-vibration";
const manifest = manifestSchema.parse(JSON.parse(readFileSync(`${MODEL_DIR}/manifest.json`, "utf8")));
const profile = profileSchema.parse(parse(readFileSync("device-profiles/cwru-6205-de.yaml", "utf8")));
const WINDOWS = 60;

async function classify(
  condition: BearingCondition,
  severity: number,
  asset: number,
): Promise<Record<string, number>> {
  const fs = profile.channels.vibration!.sampleRateHz!;
  const n = manifest.input.windowSamples!;
  const fx = new FeatureExtractor(manifest.input.features, {
    primaryChannel: "vibration",
    sampleRateHz: fs,
    windowSamples: n,
    params: { ...manifest.input.params, ...profile.model.params },
  });
  // The simulator runs each asset a little off the profile's nominal speed.
  const rpm = profile.model.params.shaftRpm! * (1 + 0.002 * asset);
  const signal = createBearingSignal({ sampleRateHz: fs, shaftRpm: rpm, seed: 100 + asset });
  signal.next(n, condition, severity); // let the structure's ringing settle
  const X = new Float32Array(WINDOWS * fx.size);
  for (let w = 0; w < WINDOWS; w++) {
    const x = signal.next(n, condition, severity);
    fx.compute(
      { channel: "vibration", t0Ms: 0, tsMs: 0, sampleRateHz: fs, channels: { vibration: x } },
      X,
      w * fx.size,
    );
  }
  const session = await ort.InferenceSession.create(`${MODEL_DIR}/model.onnx`);
  const out = await session.run({ [manifest.input.name]: new ort.Tensor("float32", X, [WINDOWS, fx.size]) });
  const p = out[manifest.output.name]!.data as Float32Array;
  const k = manifest.output.labels.length;
  const counts: Record<string, number> = Object.fromEntries(manifest.output.labels.map((l) => [l, 0]));
  for (let w = 0; w < WINDOWS; w++) {
    const row = Array.from(p.subarray(w * k, w * k + k));
    const label = manifest.output.labels[row.indexOf(Math.max(...row))]!;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

describe("the shipped bearing-vibration model on the simulator's signal", () => {
  it.each([0, 1, 2])(
    "calls a healthy bearing normal in at least 90%% of windows (asset %i)",
    async (asset) => {
      const counts = await classify("normal", 0, asset);
      expect(counts.normal).toBeGreaterThanOrEqual(0.9 * WINDOWS);
    },
  );

  it.each([
    [0.6, 0],
    [0.6, 2],
    [1, 1],
  ])(
    "calls an outer-race fault at severity %s outer_race in at least 90%% of windows (asset %i)",
    async (severity, asset) => {
      const counts = await classify("outer_race", severity, asset);
      expect(counts.outer_race).toBeGreaterThanOrEqual(0.9 * WINDOWS);
    },
  );

  it("calls an inner-race fault at severity 1 inner_race in most windows", async () => {
    const counts = await classify("inner_race", 1, 0);
    expect(counts.inner_race).toBeGreaterThanOrEqual(0.8 * WINDOWS);
  });

  it("calls a ball fault a fault (never normal), though not always the right one", async () => {
    const counts = await classify("ball", 1, 0);
    expect(counts.normal).toBeLessThanOrEqual(0.05 * WINDOWS);
  });
});

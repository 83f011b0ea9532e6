import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { profileSchema } from "../../../src/config/profile-schema.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { loadModel } from "../../../src/inference/load-model.js";
import { manifestSchema } from "../../../src/inference/manifest-schema.js";

const PROFILE = "device-profiles/cwru-6205-de.yaml";
const MODEL_DIR = "models/bearing-vibration";

describe("device profile cwru-6205-de", () => {
  const profile = profileSchema.parse(parse(readFileSync(PROFILE, "utf8")));
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(`${MODEL_DIR}/manifest.json`, "utf8")));

  it("validates against the profile schema", () => {
    expect(profileSchema.safeParse(parse(readFileSync(PROFILE, "utf8"))).success).toBe(true);
    expect(profile.model.name).toBe("bearing-vibration");
  });

  it("has advice for every class the model can predict, and only normal is ok", () => {
    expect(Object.keys(profile.advice.classes).sort()).toEqual([...manifest.output.labels].sort());
    for (const [name, c] of Object.entries(profile.advice.classes)) {
      expect(c.severity === "ok").toBe(name === profile.advice.normalClass);
      expect(c.action.length).toBeGreaterThan(10);
    }
  });

  it("windows like the model was trained: the same window length and sample rate", () => {
    expect(profile.windowing.type).toBe("block");
    expect(profile.windowing.type === "block" && profile.windowing.samples).toBe(
      manifest.input.windowSamples,
    );
    expect(profile.channels.vibration?.sampleRateHz).toBe(manifest.input.sampleRateHz);
  });

  it("with the manifest's parameters gives every feature the model needs a shaft speed", () => {
    const fx = new FeatureExtractor(manifest.input.features, {
      primaryChannel: "vibration",
      sampleRateHz: 12000,
      windowSamples: 2048,
      params: { ...manifest.input.params, ...profile.model.params },
    });
    const x = Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i * 1.3) + 0.3 * Math.sin(i * 0.07));
    const out = new Float32Array(fx.size);
    fx.compute(
      { channel: "vibration", t0Ms: 0, tsMs: 0, sampleRateHz: 12000, channels: { vibration: x } },
      out,
    );
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });

  it("names a model folder that the agent's loader accepts (hash and contract)", async () => {
    const model = await loadModel(MODEL_DIR);
    expect(model.featureCount).toBe(manifest.input.features.length);
    expect(model.outputWidth).toBe(manifest.output.labels.length);
  });
});

import { join } from "node:path";
import type { Manifest } from "../../src/inference/manifest-schema.js";
import { exportMlp } from "../../src/training/onnx/export-mlp.js";
import { writeModelFolder } from "../../src/training/onnx/write-model-folder.js";

/**
 * A model whose answer the test controls: one feature (the window's mean), two classes.
 * logits = [−20·mean + 10, 20·mean − 10] → `fault` when the mean is above 0.5, with
 * probability ≈ 1 for a mean of 0 or 1.
 */
export function writeStepModel(modelsDir: string, name = "step", windowSamples = 256): string {
  const dir = join(modelsDir, name);
  const bytes = exportMlp({
    mean: Float32Array.of(0),
    scale: Float32Array.of(1),
    layers: [{ W: Float32Array.of(-20, 20), b: Float32Array.of(10, -10) }],
    inputName: "features",
    outputName: "probabilities",
    task: "classifier",
  });
  const manifest: Manifest = {
    name,
    version: "1.0.0",
    description: "test model: fault when the window mean is above 0.5",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features: ["mean"], windowSamples, sampleRateHz: 1000, params: {} },
    output: { name: "probabilities", labels: ["normal", "fault"] },
    provenance: { by: "test/helpers/step-model.ts" },
    metrics: {},
  };
  writeModelFolder(dir, bytes, manifest);
  return dir;
}

/** A device profile for the step model: JSON blocks of 256 samples at 1 kHz. */
export const STEP_PROFILE = `
transport: { type: mqtt, topic: "{prefix}/{site}/{asset}/vibration" }
codec: { type: json-block, samplesPerMessage: 256 }
channels:
  vibration: { unit: g, sampleRateHz: 1000 }
windowing: { type: block, samples: 256, gapToleranceMs: 1000000 }
model: { name: step, predictions: true }
advice:
  debounce: { k: 3, n: 5 }
  minHoldMs: 0
  cooldownMs: 0
  classes:
    normal: { severity: ok, action: "No action." }
    fault: { severity: alarm, action: "Stop and inspect." }
`;

/** A JSON block of 256 samples, all equal to `level` (so its mean is `level`). */
export function stepPayload(tsMs: number, level: number, samples = 256): string {
  return `{"ts":${tsMs},"fs":1000,"samples":[${new Array(samples).fill(level).join(",")}]}`;
}

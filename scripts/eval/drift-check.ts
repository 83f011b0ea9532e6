/**
 * How the drift detector behaves for the bearing model on real data: the population stability
 * index (per predicted class, as the agent computes it) of held-back CWRU windows, as recorded
 * and shifted in ways the field produces.
 *
 *   npx tsx scripts/eval/drift-check.ts [--data ../shared/datasets/cwru-12k-de] [--model DIR]
 *
 * Training statistics come from the model's training rows (the first 80% in time of every
 * recording, the shipped recipe); the held-back rows are the last 20% of every recording, which
 * neither the model nor its statistics saw. The model folder must carry `featureBins` and
 * `classBins` (train it with scripts/train/bearing-vibration.ts; default: a fresh copy in a
 * temporary folder is trained first). Shifts: sensor gain ×3, added white noise, a profile
 * whose shaft speed is 15% off, and a healthy simulated bearing (src/sim).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCwruManifest } from "../../src/datasets/cwru-manifest.js";
import { runModel } from "../../src/eval/run-model.js";
import { loadModel, releaseModel } from "../../src/inference/load-model.js";
import { DriftMonitor } from "../../src/quality/drift-monitor.js";
import { trainingBinsOf } from "../../src/quality/training-bins.js";
import { createBearingSignal } from "../../src/sim/bearing-signal.js";
import { ALL_DATA_FOLD, foldData } from "../../src/training/bearing-folds.js";
import { BEARING_LABELS, BEARING_RECIPE, BEARING_SPLIT } from "../../src/training/bearing-recipe.js";
import { featureRows, loadRecordings, type RecordingSignal } from "../../src/training/bearing-windows.js";
import { gaussian, mulberry32 } from "../../src/training/prng.js";
import { argValue } from "../train/args.js";

const DATA = argValue("--data") ?? "../shared/datasets/cwru-12k-de";
let modelDir = argValue("--model");
if (modelDir === undefined) {
  modelDir = join(mkdtempSync(join(tmpdir(), "drift-check-")), "bearing-vibration");
  console.log(`training the bearing model with drift statistics into ${modelDir} …`);
  execFileSync("npx", ["tsx", "scripts/train/bearing-vibration.ts", "--data", DATA, "--out", modelDir], {
    stdio: "ignore",
  });
}
const model = await loadModel(modelDir);
const { bins, classShares, problems } = trainingBinsOf(
  model.manifest.trainingStats,
  model.manifest.output.labels,
);
if (problems.length > 0 || classShares.size === 0)
  throw new Error(`model lacks classBins: ${problems.join("; ")}`);
const labels = [...BEARING_LABELS];
const recipe = BEARING_RECIPE;

const manifest = await readCwruManifest(DATA);
const signals = await loadRecordings(manifest);
// The held-back part: the inner-validation rows of the shipped recipe (last 20% of each recording).
const heldBack = foldData(signals, ALL_DATA_FOLD, recipe.features, recipe.params, labels, BEARING_SPLIT).val;

/** Feature rows of the held-back windows after `shift` is applied to every signal (and an rpm factor). */
function shifted(shift: (x: Float32Array, seed: number) => Float32Array, rpmFactor = 1) {
  const changed: RecordingSignal[] = signals.map((s) => ({
    ...s,
    rec: { ...s.rec, rpm: s.rec.rpm * rpmFactor },
    samples: shift(s.samples, s.index),
  }));
  return foldData(changed, ALL_DATA_FOLD, recipe.features, recipe.params, labels, BEARING_SPLIT).val;
}

async function psiOf(X: Float32Array, n: number): Promise<{ max: number; feature: string; classes: string }> {
  const d = model.featureCount;
  const probs = await runModel(model, { nRows: n, nFeatures: d, values: X });
  const k = model.outputWidth;
  const monitor = new DriftMonitor(
    model.manifest.input.features,
    bins,
    { windows: n, everyWindows: n },
    classShares,
  );
  const counts = new Array<number>(k).fill(0);
  let due = false;
  for (let i = 0; i < n; i++) {
    monitor.add(X.subarray(i * d, (i + 1) * d), i);
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    counts[best]! += 1;
    due = monitor.classify(i, best) || due;
  }
  const e = monitor.evaluate();
  return { max: e.maxPsi, feature: e.feature, classes: labels.map((l, c) => `${l} ${counts[c]}`).join(", ") };
}

const noise = (rmsG: number) => (x: Float32Array, seed: number) => {
  const r = mulberry32(seed + 1);
  return x.map((v) => v + rmsG * gaussian(r));
};
const scenarios: [string, () => { X: Float32Array; y: Int32Array }][] = [
  ["held-back CWRU windows (unshifted)", () => heldBack],
  ["sensor gain ×3", () => shifted((x) => x.map((v) => 3 * v))],
  ["white noise 0.05 g rms added", () => shifted(noise(0.05))],
  ["white noise 0.2 g rms added", () => shifted(noise(0.2))],
  ["profile's shaft speed 15% too high", () => shifted((x) => x, 1.15)],
  [
    "simulated healthy bearing (src/sim), 1797 rpm",
    () => {
      const sim = createBearingSignal({ sampleRateHz: 12000, shaftRpm: 1797, seed: 5 });
      const rec = { ...signals[0]!.rec, label: "normal", rpm: 1797 };
      const one: RecordingSignal = { index: 0, rec, samples: sim.next(2048 * 300, "normal", 0) };
      return featureRows([one], recipe.features, recipe.params, labels, () => ({
        windowSamples: 2048,
        hopSamples: 2048,
      }));
    },
  ],
];
console.log(
  `PSI per predicted class against the training rows' classBins (10 quantile bins per feature; ` +
    `held-back rows: ${heldBack.y.length}). Reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted; ` +
    `the agent raises model_out_of_distribution above 0.25 (quality.drift.raisePsi).`,
);
for (const [name, rows] of scenarios) {
  const r = rows();
  const p = await psiOf(r.X, r.y.length);
  console.log(
    `  ${name.padEnd(46)} max PSI ${p.max.toFixed(3).padStart(7)} (${p.feature}); predicted: ${p.classes}`,
  );
}
await releaseModel(model);

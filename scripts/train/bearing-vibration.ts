/**
 * Trains the bearing-vibration classifier (normal, inner_race, outer_race, ball) on the CWRU
 * 12 kHz drive-end data, measures it on the cross-size folds, and writes the model folder.
 *
 *   npx tsx scripts/train/bearing-vibration.ts --data ../shared/datasets/cwru-12k-de \
 *     --out models/bearing-vibration [--seed 1] [--select]
 *
 * Protocol: each fault class is one physical bearing per fault size, so a fold trains on one
 * size and tests on the other (a bearing never seen); the one healthy recording is split in
 * two time blocks, one per fold. The shipped model is trained on both sizes and all of the
 * healthy recording with the same recipe; early stopping watches the last 20% (in time) of
 * every training recording. `--select` compares the candidate recipes on the folds first.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCwruManifest } from "../../src/datasets/cwru-manifest.js";
import type { FoldSpec } from "../../src/training/bearing-folds.js";
import { ALL_DATA_FOLD, crossSizeFolds, foldData } from "../../src/training/bearing-folds.js";
import type { BearingRecipe, FoldFigures } from "../../src/training/bearing-model.js";
import { predictClasses, scoreRows, trainOnFold } from "../../src/training/bearing-model.js";
import {
  BEARING_LABELS,
  BEARING_RECIPE,
  BEARING_SPLIT,
  CANDIDATE_RECIPES,
  NORMAL_LABEL,
} from "../../src/training/bearing-recipe.js";
import type { FeatureRows, RecordingSignal } from "../../src/training/bearing-windows.js";
import { loadRecordings } from "../../src/training/bearing-windows.js";
import { exportMlp } from "../../src/training/onnx/export-mlp.js";
import { writeModelFolder } from "../../src/training/onnx/write-model-folder.js";
import { driftStats } from "../../src/training/training-stats.js";
import { argValue } from "./args.js";

const SIZES: [number, number] = [0.007, 0.021];
const labels = [...BEARING_LABELS];
const round = (v: number) => Math.round(v * 10000) / 10000;

function runFold(signals: readonly RecordingSignal[], spec: FoldSpec, recipe: BearingRecipe, seed: number) {
  const data = foldData(signals, spec, recipe.features, recipe.params, labels, BEARING_SPLIT);
  const trained = trainOnFold(data, recipe, labels, seed);
  const figures = data.test
    ? scoreRows(trained.mlp, data.test, labels, NORMAL_LABEL, trained.bestEpoch)
    : null;
  const byGroup = data.test
    ? recallByGroup(signals, data.test, predictClasses(trained.mlp, data.test, labels.length))
    : {};
  return { data, trained, figures, byGroup };
}

/** Share of right answers per fault (label, size, outer-race position) in a test set. */
function recallByGroup(
  signals: readonly RecordingSignal[],
  rows: FeatureRows,
  pred: Int32Array,
): Record<string, { windows: number; recall: number }> {
  const tally = new Map<string, [number, number]>();
  rows.info.forEach((info, i) => {
    const rec = signals[info.recording]!.rec;
    const at = rec.orPositionOclock === null ? "" : `@${rec.orPositionOclock}`;
    const key = `${rec.label}${rec.faultSizeIn === null ? "" : ` ${rec.faultSizeIn}`}${at}`;
    const t = tally.get(key) ?? [0, 0];
    t[0] += 1;
    t[1] += pred[i] === info.label ? 1 : 0;
    tally.set(key, t);
  });
  return Object.fromEntries(
    [...tally].sort().map(([k, [n, ok]]) => [k, { windows: n, recall: round(ok / n) }]),
  );
}

function printFold(name: string, f: FoldFigures): void {
  const r = f.report;
  console.log(`\n${name}: ${f.n} test windows, best epoch ${f.bestEpoch}`);
  console.log(`  ${"class".padEnd(11)} precision  recall     F1  support`);
  for (const l of labels) {
    const c = r.perClass[l]!;
    const cells = [c.precision, c.recall, c.f1].map((v) => v.toFixed(4).padStart(9)).join(" ");
    console.log(`  ${l.padEnd(11)}${cells} ${String(c.support).padStart(8)}`);
  }
  console.log(`  confusion (rows true, columns predicted: ${labels.join(", ")})`);
  for (const [i, row] of r.confusion.entries()) {
    console.log(`    ${labels[i]!.padEnd(11)}${row.map((v) => String(v).padStart(6)).join("")}`);
  }
  console.log(
    `  accuracy ${r.accuracy.toFixed(4)}  macro-F1 ${r.macroF1.toFixed(4)}  fault-vs-normal accuracy ${f.faultVsNormalAccuracy.toFixed(4)}`,
  );
}

function foldMetrics(spec: FoldSpec, f: FoldFigures) {
  const r = f.report;
  return {
    name: spec.name,
    trainFaultSizesIn: spec.trainSizes,
    testFaultSizesIn: spec.testSizes,
    normalTrainShare: spec.normalTrain,
    normalTestShare: spec.normalTest,
    testWindows: f.n,
    accuracy: round(r.accuracy),
    macroF1: round(r.macroF1),
    faultVsNormalAccuracy: round(f.faultVsNormalAccuracy),
    perClass: Object.fromEntries(
      labels.map((l) => {
        const c = r.perClass[l]!;
        return [
          l,
          { precision: round(c.precision), recall: round(c.recall), f1: round(c.f1), support: c.support },
        ];
      }),
    ),
    confusion: { rows: "true class", columns: "predicted class", labels, matrix: r.confusion },
    bestEpoch: f.bestEpoch,
  };
}

function select(signals: readonly RecordingSignal[]): void {
  console.log("recipe comparison on the cross-size folds (mean of 2 folds × seeds 1-3):");
  for (const [name, recipe] of Object.entries(CANDIDATE_RECIPES)) {
    const acc: number[] = [];
    const f1: number[] = [];
    const fvn: number[] = [];
    for (const spec of crossSizeFolds(SIZES)) {
      const data = foldData(signals, spec, recipe.features, recipe.params, labels, BEARING_SPLIT);
      for (const seed of [1, 2, 3]) {
        const t = trainOnFold(data, recipe, labels, seed);
        const s = scoreRows(t.mlp, data.test!, labels, NORMAL_LABEL, t.bestEpoch);
        acc.push(s.report.accuracy);
        f1.push(s.report.macroF1);
        fvn.push(s.faultVsNormalAccuracy);
      }
    }
    const mean = (a: number[]) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(4);
    console.log(
      `  ${name.padEnd(28)} accuracy ${mean(acc)}  macro-F1 ${mean(f1)}  fault-vs-normal ${mean(fvn)} (min ${Math.min(...fvn).toFixed(4)})`,
    );
  }
}

/** 1st, 50th and 99th percentile of each feature over the training rows, for drift checks. */
function featureQuantiles(rows: FeatureRows): Record<string, { p01: number; p50: number; p99: number }> {
  const d = rows.names.length;
  const n = rows.y.length;
  const out: Record<string, { p01: number; p50: number; p99: number }> = {};
  rows.names.forEach((name, j) => {
    const col = Float64Array.from({ length: n }, (_, i) => rows.X[i * d + j]!).sort();
    const q = (p: number) => Number(col[Math.min(n - 1, Math.floor(p * n))]!.toPrecision(5));
    out[name] = { p01: q(0.01), p50: q(0.5), p99: q(0.99) };
  });
  return out;
}

async function main(): Promise<void> {
  const dataDir = argValue("--data");
  if (dataDir === undefined) throw new Error("--data <cwru dataset folder> is required");
  const out = argValue("--out") ?? "models/bearing-vibration";
  const seed = Number(argValue("--seed") ?? 1);
  const manifest = await readCwruManifest(dataDir);
  const signals = await loadRecordings(manifest);
  console.log(`${signals.length} recordings, sha256 verified, from ${dataDir}`);
  if (process.argv.includes("--select")) select(signals);

  const recipe = BEARING_RECIPE;
  const folds = crossSizeFolds(SIZES).map((spec) => ({ spec, ...runFold(signals, spec, recipe, seed) }));
  for (const f of folds) {
    printFold(f.spec.name, f.figures!);
    const groups = Object.entries(f.byGroup).map(([k, g]) => `${k} ${g.recall.toFixed(4)}`);
    console.log(`  recall by recording group: ${groups.join(", ")}`);
  }
  const mean = (k: (f: FoldFigures) => number) =>
    round(folds.reduce((a, f) => a + k(f.figures!), 0) / folds.length);
  const summary = {
    accuracy: mean((f) => f.report.accuracy),
    macroF1: mean((f) => f.report.macroF1),
    faultVsNormalAccuracy: mean((f) => f.faultVsNormalAccuracy),
  };
  console.log(`\nmean of the two folds: ${JSON.stringify(summary)}`);

  const final = runFold(signals, ALL_DATA_FOLD, recipe, seed);
  const bytes = exportMlp(final.trained.mlp, {
    docString:
      "Bearing fault classifier (normal, inner_race, outer_race, ball) on envelope and shape features.",
  });
  const datasetManifestSha256 = createHash("sha256")
    .update(readFileSync(join(dataDir, "manifest.json")))
    .digest("hex");
  const written = writeModelFolder(out, bytes, {
    name: "bearing-vibration",
    version: "1.0.0",
    description:
      "Rolling-element bearing condition from one accelerometer window (2048 samples at 12 kHz): normal, " +
      "inner_race, outer_race or ball. Scale-free envelope and shape features at the bearing's defect orders; " +
      "the shaft speed comes from the device profile. Trained on the CWRU SKF 6205 drive-end bearing.",
    task: "classifier",
    sha256: "0".repeat(64),
    input: {
      name: "features",
      features: [...recipe.features],
      windowSamples: BEARING_SPLIT.windowSamples,
      sampleRateHz: 12000,
      params: recipe.params,
    },
    output: { name: "probabilities", labels },
    provenance: {
      dataset: manifest.dataset,
      datasetFolder: "cwru-12k-de",
      attribution: "Case Western Reserve University Bearing Data Center",
      datasetManifestSha256,
      recordings: signals.length,
      recordingsVerified: "every recording's sha256 checked against the dataset manifest",
      seed,
      command: `npx tsx scripts/train/bearing-vibration.ts --data ${dataDir} --out ${out} --seed ${seed}`,
      windowing: {
        windowSamples: BEARING_SPLIT.windowSamples,
        hopSamples: BEARING_SPLIT.hopSamples,
        normalTrainHopSamples: BEARING_SPLIT.normalTrainHopSamples,
        shaftSpeed: "each recording's rpm from the dataset manifest",
      },
      training: {
        network: `MLP ${recipe.features.length} → ${recipe.hidden.join(" → ")} → ${labels.length}, ReLU, softmax`,
        logInputs: recipe.logInputs
          ? "every feature but skewness, ln(max(x, 1e-6)), inside the graph"
          : "none",
        optimiser: `Adam lr ${recipe.lr}, decoupled weight decay ${recipe.weightDecay}, batch ${recipe.batchSize}`,
        loss: "softmax cross-entropy, balanced class weights",
        earlyStopping: `last ${BEARING_SPLIT.innerValShare * 100}% (in time) of every training recording; patience ${recipe.patience}, at most ${recipe.epochs} epochs`,
        trainedOn: "both fault sizes (0.007, 0.021 in), all loads, all of the healthy recording",
        trainWindows: final.data.train.y.length,
        validationWindows: final.data.val.y.length,
        bestEpoch: final.trained.bestEpoch,
      },
    },
    metrics: {
      protocol:
        "Cross-size: train on one fault size, test on the other (each fault class is one physical bearing per size, " +
        "so the test bearing is never seen); the single healthy recording is split in two time blocks, one per fold. " +
        "Test windows 2048 samples, hop 1024. Figures of the fold models (same recipe and seed as the shipped one).",
      folds: folds.map((f) => ({ ...foldMetrics(f.spec, f.figures!), recallByGroup: f.byGroup })),
      meanOfFolds: summary,
      reference:
        "Random forest on generic time and band features: mean accuracy 0.60 with a held-out fault size (dataset README). " +
        "Random-window splits score ~100% on this data and measure nothing useful.",
      caveats: [
        "Fault versus normal rests on one healthy recording (3.6 s at load 0), split in time: it says little about other healthy machines.",
        "Two fault sizes of one bearing type on one rig; a third size or another machine may score lower.",
        "Ball faults show weak envelope lines; their recall leans on the shape and band-share features.",
      ],
    },
    trainingStats: {
      featureQuantiles: featureQuantiles(final.data.train),
      ...driftStats(final.data.train.X, final.data.train.names, final.data.train.y, labels),
    },
  });
  console.log(`\nwrote ${out} (model.onnx ${bytes.length} bytes, sha256 ${written.sha256})`);
  console.log(
    `final model: ${final.data.train.y.length} training windows, best epoch ${final.trained.bestEpoch}`,
  );
}

await main();

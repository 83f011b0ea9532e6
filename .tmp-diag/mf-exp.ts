/**
 * Trains the `machine-failure` model from AI4I 2020 and writes models/machine-failure/.
 *
 *   npx tsx scripts/train/machine-failure.ts [datasetDir=../shared/datasets/ai4i2020] [outDir=models/machine-failure]
 *
 * Protocol (temperatures drift with the row number, so blocks, never random rows):
 * - development rows UDI 1-6000, test block UDI 6001-8000 (scored once, at the end);
 * - model selection inside development: fit on UDI 1-4800, validate on UDI 4801-6000, pick the
 *   candidate with the best failure F1 (then PR-AUC), refit it on UDI 1-6000;
 * - the test figures are measured by evaluateModel on the exported folder (the agent's code).
 * Features come from the registry over a time window holding one reading: `s_last@<channel>`.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ai4iRecord, findAi4iCsv, formatAi4iCsv, readAi4iCsv } from "../src/datasets/ai4i-csv.js";
import {
  AI4I_CHANNELS,
  ai4iWindow,
  FAILURE_MODE_LABELS,
  failureModeOf,
} from "../src/datasets/ai4i-window.js";
import { RECORD_PERIOD_MS } from "../src/eval/evaluate-ai4i.js";
import { evaluateModelReport } from "../src/eval/evaluate-model.js";
import { featureMatrix, type FeatureSetup } from "../src/eval/feature-matrix.js";
import { formatReport } from "../src/eval/format-report.js";
import { resolveFeatureSpecs } from "../src/features/registry.js";
import type { Manifest } from "../src/inference/manifest-schema.js";
import { averagePrecision, binaryMetrics } from "../src/training/metrics.js";
import { exportTreeEnsemble } from "../src/training/onnx/export-tree-ensemble.js";
import { writeModelFolder } from "../src/training/onnx/write-model-folder.js";
import { driftStats } from "../src/training/training-stats.js";
import { predictTreeEnsemble } from "../src/training/tree-predict.js";
import type { FeatureMatrix } from "../src/training/trees-binning.js";
import { type TrainedTrees, trainGradientBoosting } from "../src/training/trees-boosting.js";
import { trainRandomForest } from "../src/training/trees-forest.js";
import { importanceByOutput } from "../src/training/trees-importance.js";

const DATA = process.argv[2] ?? "../shared/datasets/ai4i2020";
const OUT = process.argv[3] ?? ".tmp-diag/mf";
const SEED = 20200601;
const BLOCKS = {
  fit: [1, 4800],
  validate: [4801, 6000],
  development: [1, 6000],
  test: [6001, 8000],
} as const;

/**
 * Engineered features that make the published rules learnable: ΔT = process − air (heat
 * dissipation), torque × speed (power, up to the constant 2π/60) and tool wear × torque
 * (overstrain; the tree finds the L/M/H limit with s_last@type_code). The registry has no
 * cross-channel family yet (a family binds to one channel); these specs are used as soon as it
 * resolves them, until then the model learns from the raw readings alone.
 */
const DERIVED = [
  "x_diff@process_temp_k:air_temp_k",
  "x_prod@torque_nm:rpm",
  "x_prod@tool_wear_min:torque_nm",
];

const LABELS = [...FAILURE_MODE_LABELS];
const NONE = LABELS.indexOf("none");

/** One-line human rules per class, for the advice text (Matzka 2020, the generator's rules). */
const RULES: Record<string, string> = {
  none: "no failure mode indicated by the current reading",
  heat_dissipation: "heat dissipation: process−air ΔT below 8.6 K at a speed below 1380 rpm",
  power: "power: torque × angular speed below 3500 W or above 9000 W",
  overstrain: "overstrain: tool wear × torque above 11,000 / 12,000 / 13,000 min·Nm for type L / M / H",
  tool_wear:
    "tool wear: the tool is in its 200-240 min end-of-life window (onset random): plan a tool change",
};

function featureSpecs(): string[] {
  const raw = AI4I_CHANNELS.map((c) => `s_last@${c}`);
  const derived = DERIVED.filter((d) => resolveFeatureSpecs([d], {}, null).problems.length === 0);
  return [...raw, ...derived];
}

const inBlock = (r: Ai4iRecord, [lo, hi]: readonly [number, number]) => r.udi >= lo && r.udi <= hi;

function dataOf(setup: FeatureSetup, rows: readonly Ai4iRecord[]): { x: FeatureMatrix; y: Int32Array } {
  const x = featureMatrix(
    setup,
    rows.map((r, i) => ai4iWindow(r, i * RECORD_PERIOD_MS)),
  );
  return { x, y: Int32Array.from(rows, (r) => LABELS.indexOf(failureModeOf(r))) };
}

/** Failure F1 and PR-AUC of P(failure) = 1 − P(none) against the Machine failure flag. */
function failureScores(t: TrainedTrees, x: FeatureMatrix, rows: readonly Ai4iRecord[]) {
  const p = predictTreeEnsemble(t.ensemble, x.values);
  const K = LABELS.length;
  const score = rows.map((_, i) => 1 - p[i * K + NONE]!);
  const flagged = rows.map((_, i) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
    return best !== NONE;
  });
  const truth = rows.map((r) => r.machineFailure);
  const b = binaryMetrics(truth, flagged);
  return { f1: b.f1, precision: b.precision, recall: b.recall, pr_auc: averagePrecision(truth, score) };
}

interface Candidate {
  readonly name: string;
  readonly train: (
    x: FeatureMatrix,
    y: Int32Array,
    val?: { x: FeatureMatrix; y: Int32Array },
  ) => TrainedTrees;
}

const candidates: Candidate[] = [
  {
    name: "random forest, 300 trees, √d features per node",
    train: (x, y) =>
      trainRandomForest(x, y, { task: "classifier", nClasses: LABELS.length, nTrees: 300, seed: SEED }),
  },
  {
    name: "random forest, 300 trees, all features per node",
    train: (x, y) =>
      trainRandomForest(x, y, {
        task: "classifier",
        nClasses: LABELS.length,
        nTrees: 300,
        featuresPerNode: "all",
        seed: SEED,
      }),
  },
  ...[4096].flatMap((bins) => [{
    name: `random forest, 300 trees, all features per node, ${bins} bins`,
    train: (x: FeatureMatrix, y: Int32Array) =>
      trainRandomForest(x, y, { task: "classifier", nClasses: LABELS.length, nTrees: 300, featuresPerNode: "all", maxBins: bins, seed: SEED }),
  },{
    name: `random forest, 300 trees, √d features per node, ${bins} bins`,
    train: (x: FeatureMatrix, y: Int32Array) =>
      trainRandomForest(x, y, { task: "classifier", nClasses: LABELS.length, nTrees: 300, maxBins: bins, seed: SEED }),
  },{
    name: `gradient boosting, depth 6, learning rate 0.05, ${bins} bins`,
    train: (x: FeatureMatrix, y: Int32Array, val?: { x: FeatureMatrix; y: Int32Array }) =>
      trainGradientBoosting(x, y, { objective: "softmax", nClasses: LABELS.length, nRounds: 400, learningRate: 0.05, maxDepth: 6, minSamplesLeaf: 3, subsample: 0.8, seed: SEED, maxBins: bins, ...(val !== undefined ? { validation: val, earlyStoppingRounds: 40 } : {}) }),
  }]),
  {
    name: "gradient boosting, depth 4, learning rate 0.05",
    train: (x, y, val) =>
      trainGradientBoosting(x, y, {
        objective: "softmax",
        nClasses: LABELS.length,
        nRounds: 400,
        learningRate: 0.05,
        maxDepth: 4,
        minSamplesLeaf: 3,
        subsample: 0.8,
        seed: SEED,
        ...(val !== undefined ? { validation: val, earlyStoppingRounds: 40 } : {}),
      }),
  },
  {
    name: "gradient boosting, depth 6, learning rate 0.05",
    train: (x, y, val) =>
      trainGradientBoosting(x, y, {
        objective: "softmax",
        nClasses: LABELS.length,
        nRounds: 400,
        learningRate: 0.05,
        maxDepth: 6,
        minSamplesLeaf: 3,
        subsample: 0.8,
        seed: SEED,
        ...(val !== undefined ? { validation: val, earlyStoppingRounds: 40 } : {}),
      }),
  },
];

function quantiles(x: FeatureMatrix, names: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  names.forEach((name, f) => {
    const col = Float64Array.from({ length: x.nRows }, (_, i) => x.values[i * x.nFeatures + f]!).sort();
    const q = (p: number) => col[Math.min(col.length - 1, Math.floor(p * (col.length - 1)))]!;
    out[name] = { min: q(0), p01: q(0.01), p50: q(0.5), p99: q(0.99), max: q(1) };
  });
  return out;
}

async function main(): Promise<void> {
  const file = await findAi4iCsv(DATA);
  if (file === undefined) throw new Error(`no AI4I CSV in ${DATA}`);
  const records = await readAi4iCsv(file);
  const features = featureSpecs();
  const setup: FeatureSetup = {
    features,
    primaryChannel: "air_temp_k",
    sampleRateHz: Number.NaN,
    windowSamples: 1,
    params: {},
  };
  const rowsOf = (b: readonly [number, number]) => records.filter((r) => inBlock(r, b));
  const fitRows = rowsOf(BLOCKS.fit);
  const valRows = rowsOf(BLOCKS.validate);
  const devRows = rowsOf(BLOCKS.development);
  const testRows = rowsOf(BLOCKS.test);
  console.log(`features: ${features.join(", ")}`);
  console.log(`rows: fit ${fitRows.length}, validate ${valRows.length}, test ${testRows.length}`);

  const fit = dataOf(setup, fitRows);
  const val = dataOf(setup, valRows);
  const scored = candidates.map((c) => {
    const t0 = Date.now();
    const trained = c.train(fit.x, fit.y, val);
    const s = failureScores(trained, val.x, valRows);
    console.log(
      `${c.name}: ${trained.ensemble.trees.length} trees, validation ${JSON.stringify(s)} (${Date.now() - t0} ms)`,
    );
    return { candidate: c, rounds: trained.ensemble.trees.length, ...s };
  });
  const best = [...scored].sort((a, b) => b.f1 - a.f1 || b.pr_auc - a.pr_auc)[0]!;
  console.log(`selected: ${best.candidate.name}`);

  // Refit on all development rows (boosting keeps the round count found on validation).
  const dev = dataOf(setup, devRows);
  const isBoosting = best.candidate.name.startsWith("gradient");
  const final = isBoosting
    ? trainGradientBoosting(dev.x, dev.y, {
        objective: "softmax",
        nClasses: LABELS.length,
        nRounds: best.rounds,
        learningRate: 0.05,
        maxDepth: best.candidate.name.includes("depth 6") ? 6 : 4,
        minSamplesLeaf: 3,
        subsample: 0.8,
        seed: SEED,
      })
    : best.candidate.train(dev.x, dev.y);
  const ensemble = { ...final.ensemble, labels: LABELS };
  const onnx = exportTreeEnsemble(ensemble, { inputName: "features", outputName: "probabilities" });
  const importance = importanceByOutput(final.gainImportance, features, LABELS);
  const failures = testRows.filter((r) => r.machineFailure).length;
  const ruleDriven = testRows.filter((r) => r.machineFailure && (r.hdf || r.pwf || r.osf)).length;
  const manifest: Manifest = {
    name: "machine-failure",
    version: "1.0.0",
    description:
      "Milling-machine failure risk and likely mode from one process reading (AI4I 2020-like): P(failure) = 1 − P(none).",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features, windowSamples: 1, params: {} },
    output: { name: "probabilities", labels: LABELS },
    provenance: {
      dataset:
        "AI4I 2020 Predictive Maintenance Dataset (UCI 601, CC BY 4.0; S. Matzka 2020), rows UDI 1-8000",
      trainedOn: `UDI ${BLOCKS.development[0]}-${BLOCKS.development[1]}`,
      evaluatedOn: `UDI ${BLOCKS.test[0]}-${BLOCKS.test[1]}`,
      selection: `candidates fit on UDI ${BLOCKS.fit[0]}-${BLOCKS.fit[1]}, validated on UDI ${BLOCKS.validate[0]}-${BLOCKS.validate[1]}`,
      candidates: scored.map((s) => ({
        name: s.candidate.name,
        trees: s.rounds,
        f1: s.f1,
        pr_auc: s.pr_auc,
      })),
      model: `${best.candidate.name}; ${ensemble.trees.length} trees`,
      seed: SEED,
      labels:
        "class = first flagged of HDF, PWF, OSF, TWF (heat_dissipation, power, overstrain, tool_wear); none when no mode or only RNF",
      channels: "type_code: product type L = 0, M = 1, H = 2",
      command: "npx tsx scripts/train/machine-failure.ts ../shared/datasets/ai4i2020 models/machine-failure",
      explanation: Object.fromEntries(
        LABELS.map((l) => [l, { rule: RULES[l], importanceGain: importance[l] }]),
      ),
    },
    metrics: {},
    trainingStats: {
      quantiles: quantiles(dev.x, features),
      ...driftStats(dev.x.values, features, dev.y, LABELS),
    },
  };
  writeModelFolder(OUT, onnx, manifest);

  // Score the test block through the agent's code, from a CSV holding only those rows.
  const tmp = await mkdtemp(join(tmpdir(), "ai4i-test-block-"));
  try {
    await writeFile(join(tmp, "ai4i-test-block.csv"), formatAi4iCsv(testRows));
    const report = await evaluateModelReport(OUT, tmp);
    console.log(formatReport(report.metrics, report.details));
    manifest.metrics = {
      protocol:
        "every row of the test block; failure = most probable class is not none; precision/recall/F1 of that against Machine failure; PR-AUC of 1 − P(none)",
      test_block: { rows: { first: BLOCKS.test[0], last: BLOCKS.test[1] }, figures: report.metrics },
      ceiling: {
        failures,
        rule_driven: ruleDriven,
        recall: ruleDriven / failures,
        f1: (2 * ruleDriven) / (ruleDriven + failures),
      },
    };
    writeModelFolder(OUT, onnx, manifest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();

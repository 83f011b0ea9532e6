import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AI4I_HEADER, parseAi4iCsv } from "../../../src/datasets/ai4i-csv.js";
import { ai4iWindow, FAILURE_MODE_LABELS, failureModeOf } from "../../../src/datasets/ai4i-window.js";
import { parseCmapssText } from "../../../src/datasets/cmapss.js";
import {
  formatCmapssText,
  truncateEngines,
  writeCmapssEvaluationFolder,
} from "../../../src/datasets/cmapss-truncate.js";
import { cmapssWindow, windowEnds } from "../../../src/datasets/cmapss-windows.js";
import { signalWindows } from "../../../src/datasets/cwru-windows.js";
import { detectDataset, evaluateModel, evaluateModelReport } from "../../../src/eval/evaluate-model.js";
import { type FeatureSetup, featureMatrix } from "../../../src/eval/feature-matrix.js";
import type { Manifest } from "../../../src/inference/manifest-schema.js";
import {
  argmaxRows,
  averagePrecision,
  binaryMetrics,
  classificationMetrics,
  phm08Score,
  rmse,
} from "../../../src/training/metrics.js";
import { exportTreeEnsemble } from "../../../src/training/onnx/export-tree-ensemble.js";
import { writeModelFolder } from "../../../src/training/onnx/write-model-folder.js";
import { mulberry32 } from "../../../src/training/prng.js";
import type { TreeEnsemble } from "../../../src/training/tree-model.js";
import { predictTreeEnsemble } from "../../../src/training/tree-predict.js";
import { trainGradientBoosting } from "../../../src/training/trees-boosting.js";
import { trainRandomForest } from "../../../src/training/trees-forest.js";

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function modelFolder(
  dir: string,
  e: TreeEnsemble,
  m: Omit<Manifest, "sha256" | "provenance" | "metrics" | "description">,
) {
  const onnx = exportTreeEnsemble(e, { inputName: m.input.name, outputName: m.output.name });
  writeModelFolder(dir, onnx, { ...m, sha256: "0".repeat(64), description: "", provenance: {}, metrics: {} });
}

/** Synthetic AI4I rows: high torque → overstrain, high speed → power, a few failures with no mode. */
function ai4iText(n: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    const type = ["L", "M", "H"][Math.floor(rand() * 3)]!;
    const rpm = Math.round(1300 + rand() * 1500);
    const torque = Math.round((20 + rand() * 50) * 10) / 10;
    const osf = torque > 62 ? 1 : 0;
    const pwf = rpm > 2700 ? 1 : 0;
    const unexplained = i % 97 === 0 ? 1 : 0;
    const failure = osf || pwf || unexplained ? 1 : 0;
    lines.push(
      [
        i,
        `${type}${i}`,
        type,
        298 + rand() * 2,
        308 + rand() * 2,
        rpm,
        torque,
        i % 200,
        failure,
        0,
        0,
        pwf,
        osf,
        0,
      ].join(","),
    );
  }
  return `${AI4I_HEADER}\n${lines.join("\n")}\n`;
}

const AI4I_FEATURES = [
  "s_last@air_temp_k",
  "s_last@process_temp_k",
  "s_last@rpm",
  "s_last@torque_nm",
  "s_last@type_code",
];

describe("evaluateModel on an AI4I CSV", () => {
  it("scores every row through the exported model and gives exactly the classifier and failure keys", async () => {
    const dir = await tmp("eval-ai4i-");
    const records = parseAi4iCsv(ai4iText(600, 1), "train.csv");
    const setup: FeatureSetup = {
      features: AI4I_FEATURES,
      primaryChannel: "rpm",
      sampleRateHz: Number.NaN,
      windowSamples: 1,
      params: {},
    };
    const x = featureMatrix(
      setup,
      records.map((r, i) => ai4iWindow(r, i * 1000)),
    );
    const labels = [...FAILURE_MODE_LABELS];
    const y = Int32Array.from(records, (r) => labels.indexOf(failureModeOf(r)));
    const { ensemble } = trainGradientBoosting(x, y, { objective: "softmax", nClasses: 5, nRounds: 20 });
    modelFolder(join(dir, "model"), ensemble, {
      name: "mf",
      version: "1",
      task: "classifier",
      input: { name: "features", features: AI4I_FEATURES, windowSamples: 1, params: {} },
      output: { name: "probabilities", labels },
    });
    const testText = ai4iText(300, 2);
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "data", "block.csv"), testText);

    const m = await evaluateModel(join(dir, "model"), join(dir, "data"));
    expect(Object.keys(m).sort()).toEqual(
      [
        "accuracy",
        "confusion",
        "f1",
        "labels",
        "macro_f1",
        "per_class",
        "pr_auc",
        "precision",
        "recall",
      ].sort(),
    );

    // The same figures computed here, from the plain-JS predictor.
    const test = parseAi4iCsv(testText, "block.csv");
    const p = predictTreeEnsemble(
      ensemble,
      featureMatrix(
        setup,
        test.map((r, i) => ai4iWindow(r, i)),
      ).values,
    );
    const predicted = argmaxRows(p, 5);
    const expected = classificationMetrics(
      test.map((r) => labels.indexOf(failureModeOf(r))),
      predicted,
      labels,
    );
    const truth = test.map((r) => r.machineFailure);
    const b = binaryMetrics(
      truth,
      Array.from(predicted, (k) => k !== 0),
    );
    expect(m).toMatchObject({ confusion: expected.confusion, labels });
    expect("accuracy" in m && m.accuracy).toBeCloseTo(expected.accuracy, 12);
    expect("f1" in m && m.f1).toBeCloseTo(b.f1, 12);
    const ap = averagePrecision(
      truth,
      Array.from(test, (_, i) => 1 - p[i * 5]!),
    );
    expect("pr_auc" in m && m.pr_auc).toBeCloseTo(ap, 4);
    // Unexplained failures (every 97th row) count as missed failures, so recall < 1 even if the modes are learnt.
    expect("recall" in m && m.recall).toBeLessThan(1);
    expect("precision" in m && m.precision).toBeGreaterThan(0.8);
  });

  it("refuses a regressor on classifier data, naming both", async () => {
    const dir = await tmp("eval-mismatch-");
    const x = { nRows: 4, nFeatures: 1, values: Float32Array.of(1, 2, 3, 4) };
    const { ensemble } = trainGradientBoosting(x, [1, 2, 3, 4], {
      objective: "squared",
      nRounds: 2,
      minSamplesLeaf: 1,
    });
    modelFolder(join(dir, "model"), ensemble, {
      name: "reg",
      version: "1",
      task: "regressor",
      input: { name: "features", features: ["s_last@rpm"], params: {} },
      output: { name: "value", labels: [] },
    });
    await writeFile(join(dir, "data.csv"), ai4iText(5, 3));
    await expect(evaluateModel(join(dir, "model"), join(dir, "data.csv"))).rejects.toMatchObject({
      code: "EA_EVAL_MISMATCH",
    });
  });
});

/** Engines whose s2 rises as failure nears; other sensors are noise around a level. */
function enginesText(lengths: readonly number[], seed: number): string {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  lengths.forEach((n, u) => {
    for (let c = 1; c <= n; c++) {
      const rul = n - c;
      const sensors = Array.from({ length: 21 }, (_, j) =>
        j === 1 ? 640 + Math.max(0, 60 - rul) * 0.05 + rand() * 0.2 : 100 + j + rand(),
      );
      lines.push([u + 1, c, 0, 0, 100, ...sensors.map((v) => v.toFixed(4))].join(" "));
    }
  });
  return `${lines.join("\n")}\n`;
}

describe("evaluateModel on C-MAPSS folders", () => {
  const FEATURES = ["s_mean@s2", "s_slope@s2", "s_last@s2", "s_last@cycle"];
  const setup: FeatureSetup = {
    features: FEATURES,
    primaryChannel: "cycle",
    sampleRateHz: Number.NaN,
    windowSamples: 10,
    params: {},
  };

  it("scores the last cycle of each engine in both layouts, with the true RUL capped", async () => {
    const dir = await tmp("eval-cmapss-");
    const train = parseCmapssText(enginesText([80, 90, 100, 110, 120, 150, 160], 4), "train.txt");
    const windows = train.flatMap((e) => windowEnds(e, 10).map((end) => cmapssWindow(e, end, 10)));
    const y = train.flatMap((e) => windowEnds(e, 10).map((end) => Math.min(125, e.nCycles - 1 - end)));
    const { ensemble } = trainGradientBoosting(featureMatrix(setup, windows), y, {
      objective: "squared",
      nRounds: 30,
    });
    modelFolder(join(dir, "model"), ensemble, {
      name: "rul",
      version: "1",
      task: "regressor",
      input: { name: "features", features: FEATURES, windowSamples: 10, params: {} },
      output: { name: "rul", labels: [], unit: "cycles" },
    });

    const held = parseCmapssText(enginesText([70, 140, 200], 5), "held.txt");
    await mkdir(join(dir, "train"));
    await writeFile(join(dir, "train", "train_FD001.txt"), formatCmapssText(held));
    const cut = truncateEngines(held, mulberry32(9));
    await writeCmapssEvaluationFolder(join(dir, "nasa"), "FD001", cut);

    const predictLast = (engines: typeof held) =>
      Array.from(
        predictTreeEnsemble(
          ensemble,
          featureMatrix(
            setup,
            engines.map((e) => cmapssWindow(e, e.nCycles - 1, 10)),
          ).values,
        ),
      );

    const nasa = await evaluateModelReport(join(dir, "model"), join(dir, "nasa"));
    expect(Object.keys(nasa.metrics).sort()).toEqual(["phm08_score", "rmse"]);
    const truth = cut.finalRul.map((r) => Math.min(125, r));
    const pred = predictLast(cut.engines);
    expect("rmse" in nasa.metrics && nasa.metrics.rmse).toBeCloseTo(rmse(truth, pred), 3);
    expect("phm08_score" in nasa.metrics && nasa.metrics.phm08_score).toBeCloseTo(phm08Score(truth, pred), 3);
    expect(nasa.details).toMatchObject({ layout: "evaluation", count: 3, rulCap: 125 });

    const trainReport = await evaluateModelReport(join(dir, "model"), join(dir, "train"));
    expect(trainReport.details.layout).toBe("training");
    const lastPred = predictLast(held);
    expect("rmse" in trainReport.metrics && trainReport.metrics.rmse).toBeCloseTo(
      rmse([0, 0, 0], lastPred),
      3,
    );
    // Every window of every engine: 61 + 131 + 191.
    expect(trainReport.details.windows?.count).toBe(383);
  });
});

/**
 * A CWRU-style folder (normal 1024 samples, inner_race 1024, normal 600) and a forest on rms and
 * peak that tells the quiet recordings from the loud one, windows of 128 samples.
 */
async function cwruFixture(extraTestSet?: (sha: string) => Record<string, unknown>) {
  const dir = await tmp("eval-cwru-");
  const rand = mulberry32(6);
  const signal = (amp: number, n: number) => Float32Array.from({ length: n }, () => amp * (rand() * 2 - 1));
  const make = (label: string, amp: number, n: number, size: number | null) => ({
    label,
    size,
    x: signal(amp, n),
  });
  const recs = [
    make("normal", 0.1, 1024, null),
    make("inner_race", 1, 1024, 0.007),
    make("normal", 0.1, 600, null),
  ];
  const features = ["rms", "peak"];
  const setup: FeatureSetup = {
    features,
    primaryChannel: "vibration",
    sampleRateHz: 12000,
    windowSamples: 128,
    params: {},
  };
  const labels = ["normal", "inner_race"];
  const train = recs.slice(0, 2).flatMap((r) =>
    signalWindows(r.x, { windowSamples: 128, sampleRateHz: 12000, channel: "vibration" }).map((w) => ({
      w,
      y: labels.indexOf(r.label),
    })),
  );
  const { ensemble } = trainRandomForest(
    featureMatrix(
      setup,
      train.map((t) => t.w),
    ),
    train.map((t) => t.y),
    { task: "classifier", nTrees: 5 },
  );
  await mkdir(join(dir, "data", "signals"), { recursive: true });
  const manifest = {
    labels,
    recordings: recs.map((r, i) => ({
      file: `signals/${i}.f32`,
      label: r.label,
      fault_size_in: r.size,
      rpm: 1797,
      sampling_rate_hz: 12000,
      sample_count: r.x.length,
    })),
  };
  for (const [i, r] of recs.entries())
    await writeFile(join(dir, "data", `signals/${i}.f32`), Buffer.from(r.x.buffer));
  const manifestText = JSON.stringify(manifest);
  await writeFile(join(dir, "data", "manifest.json"), manifestText);
  const sha = createHash("sha256").update(manifestText).digest("hex");
  const onnx = exportTreeEnsemble(ensemble, { inputName: "features", outputName: "probabilities" });
  writeModelFolder(join(dir, "model"), onnx, {
    name: "bearing",
    version: "1",
    description: "",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features, windowSamples: 128, sampleRateHz: 12000, params: {} },
    output: { name: "probabilities", labels },
    provenance: {},
    metrics: extraTestSet !== undefined ? { testSet: extraTestSet(sha) } : {},
  });
  return { dir, labels, sha };
}

describe("evaluateModel on a CWRU-style folder", () => {
  it("windows each recording as the manifest says and scores every window", async () => {
    const { dir, labels } = await cwruFixture();
    const report = await evaluateModelReport(join(dir, "model"), join(dir, "data"));
    // 8 + 8 + 4 windows of 128 samples; the loud recording is the only inner-race one.
    expect(report.details.count).toBe(20);
    expect(report.details.selection).toBeUndefined();
    expect(report.metrics).toMatchObject({
      accuracy: 1,
      labels,
      confusion: [
        [12, 0],
        [0, 8],
      ],
    });
    expect(Object.keys(report.metrics).sort()).toEqual([
      "accuracy",
      "confusion",
      "labels",
      "macro_f1",
      "per_class",
    ]);
  });

  it("scores only the test set the model's manifest records: a fault size and a block of a recording", async () => {
    const { dir } = await cwruFixture((sha) => ({
      datasetManifestSha256: sha,
      faultSizesIn: [0.007],
      hopSamples: 256,
      recordingRanges: { "signals/0.f32": [512, 1024] },
    }));
    const report = await evaluateModelReport(join(dir, "model"), join(dir, "data"), { testSet: true });
    // Recording 0: samples 512-1023 every 256 → 2 windows; 1: every 256 → 4; 2: no size, whole → 2.
    expect(report.details.count).toBe(8);
    expect(report.details.selection).toBe("fault sizes 0.007 in; hop 256; signals/0.f32 samples [512, 1024)");
    expect(report.metrics).toMatchObject({
      confusion: [
        [4, 0],
        [0, 4],
      ],
    });
    // Options given by hand take precedence over the recorded ones.
    const byHand = await evaluateModelReport(join(dir, "model"), join(dir, "data"), {
      testSet: true,
      cwru: { hopSamples: 128 },
    });
    expect(byHand.details.count).toBe(4 + 8 + 4);
  });

  it.each([
    [
      "a dataset other than the one the test set was cut from",
      () => ({ datasetManifestSha256: "0".repeat(64) }),
      /recorded on a dataset whose manifest\.json has sha256 0{64}/,
    ],
    [
      "a range of a recording the dataset does not list",
      () => ({ recordingRanges: { "signals/9.f32": [0, 128] } }),
      /names signals\/9\.f32, which .* does not list/,
    ],
    [
      "a range beyond the recording's end",
      () => ({ recordingRanges: { "signals/2.f32": [0, 601] } }),
      /\[0, 601\) of signals\/2\.f32 does not lie within its 600 samples/,
    ],
    [
      "a test set that is not one",
      () => ({ hopSamples: -1 }),
      /metrics\.testSet is not a recordings test set/,
    ],
  ])("refuses %s", async (_, testSet, message) => {
    const { dir } = await cwruFixture(testSet);
    const run = evaluateModelReport(join(dir, "model"), join(dir, "data"), { testSet: true });
    await expect(run).rejects.toMatchObject({ code: "EA_EVAL_MISMATCH" });
    await expect(run).rejects.toThrow(message);
  });

  it("refuses --test-set for a model that records none, and for tabular data", async () => {
    const { dir } = await cwruFixture();
    await expect(
      evaluateModelReport(join(dir, "model"), join(dir, "data"), { testSet: true }),
    ).rejects.toThrow(/records no test set \(metrics\.testSet\)/);
    await writeFile(join(dir, "x.csv"), ai4iText(3, 1));
    await expect(
      evaluateModelReport(join(dir, "model"), join(dir, "x.csv"), { testSet: true }),
    ).rejects.toThrow(/a recorded test set selects recordings .* holds ai4i data/);
  });
});

describe("dataset detection", () => {
  it("says what it looked for when a folder holds no known layout", async () => {
    const dir = await tmp("eval-empty-");
    await writeFile(join(dir, "notes.txt"), "hello");
    await expect(detectDataset(dir)).rejects.toMatchObject({ code: "EA_DATASET_NOT_FOUND" });
    await expect(detectDataset(dir)).rejects.toThrow(/manifest\.json \(CWRU\).*AI4I/);
  });

  it("recognises each layout from its files", async () => {
    const dir = await tmp("eval-detect-");
    await writeFile(join(dir, "test_FD001.txt"), "");
    expect(await detectDataset(dir)).toEqual({ kind: "cmapss", path: dir });
    expect(await detectDataset(join(dir, "test_FD001.txt"))).toEqual({ kind: "cmapss", path: dir });
    const csvDir = await tmp("eval-detect-");
    await writeFile(join(csvDir, "x.csv"), ai4iText(2, 1));
    expect(await detectDataset(csvDir)).toEqual({ kind: "ai4i", path: join(csvDir, "x.csv") });
  });
});

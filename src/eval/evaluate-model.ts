/**
 * `edge-agent eval`: run a model folder over a dataset folder through the agent's own code
 * (FeatureExtractor for the features, loadModel's checked onnxruntime session for inference)
 * and measure it. The dataset's layout is recognised from its files:
 * - CWRU-style `manifest.json` of float32 recordings → classifier, every window;
 * - an AI4I CSV (any file with its header) → failure classifier, every row of the file;
 * - C-MAPSS `train_FD00x.txt`, or `test_FD00x.txt` + `RUL_FD00x.txt` → RUL regressor, the last
 *   cycle of each engine (and every window, in the details).
 */

import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { findAi4iCsv } from "../datasets/ai4i-csv.js";
import { DatasetError } from "../datasets/dataset-error.js";
import { loadModel, releaseModel } from "../inference/load-model.js";
import { evaluateAi4i } from "./evaluate-ai4i.js";
import { type CmapssEvalOptions, evaluateCmapss } from "./evaluate-cmapss.js";
import { type CwruEvalOptions, evaluateCwru } from "./evaluate-cwru.js";
import type { DatasetKind, EvalMetrics, EvalReport } from "./eval-types.js";
import { EvaluationError } from "./evaluation-error.js";
import { recordedTestSet } from "./test-set.js";

export interface EvaluateOptions {
  /** Skip detection (e.g. when a folder holds several layouts). */
  readonly kind?: DatasetKind;
  /**
   * Score only the test set the model's manifest records (`metrics.testSet`, recordings only);
   * options given in `cwru` take precedence over the recorded ones.
   */
  readonly testSet?: boolean;
  readonly cwru?: CwruEvalOptions;
  readonly cmapss?: CmapssEvalOptions;
}

export interface DetectedDataset {
  readonly kind: DatasetKind;
  /** The folder (CWRU, C-MAPSS) or the CSV file (AI4I). */
  readonly path: string;
}

/** Recognise the dataset at `path` (a folder, or one of its files). */
export async function detectDataset(path: string): Promise<DetectedDataset> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined) throw new DatasetError("EA_DATASET_NOT_FOUND", path, "no such file or folder");
  if (s.isFile()) {
    const name = basename(path);
    if (name === "manifest.json") return { kind: "cwru", path: dirname(path) };
    if (/^(train|test|RUL)_FD\d{3}\.txt$/.test(name)) return { kind: "cmapss", path: dirname(path) };
    if (name.toLowerCase().endsWith(".csv") && (await findAi4iCsv(path)) !== undefined)
      return { kind: "ai4i", path };
    throw new DatasetError("EA_DATASET_NOT_FOUND", path, "not a file of a known dataset layout");
  }
  const names = await readdir(path);
  if (names.includes("manifest.json")) return { kind: "cwru", path };
  if (names.some((n) => /^(train|test)_FD\d{3}\.txt$/.test(n))) return { kind: "cmapss", path };
  const csv = await findAi4iCsv(path);
  if (csv !== undefined) return { kind: "ai4i", path: csv };
  throw new DatasetError(
    "EA_DATASET_NOT_FOUND",
    path,
    "expected manifest.json (CWRU), train_FD00x.txt or test_FD00x.txt + RUL_FD00x.txt (C-MAPSS), or an AI4I .csv",
  );
}

/** Metrics and the details of what was scored. */
export async function evaluateModelReport(
  modelDir: string,
  dataDir: string,
  opts: EvaluateOptions = {},
): Promise<EvalReport> {
  const detected =
    opts.kind !== undefined ? { kind: opts.kind, path: dataDir } : await detectDataset(dataDir);
  if (opts.testSet === true && detected.kind !== "cwru") {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `a recorded test set selects recordings (a CWRU-style manifest); ${dataDir} holds ${detected.kind} data`,
    );
  }
  const model = await loadModel(modelDir);
  try {
    switch (detected.kind) {
      case "cwru": {
        const recorded = opts.testSet === true ? recordedTestSet(model.manifest, modelDir) : {};
        return await evaluateCwru(model, detected.path, { ...recorded, ...opts.cwru });
      }
      case "cmapss":
        return await evaluateCmapss(model, detected.path, opts.cmapss);
      case "ai4i": {
        const file = (await findAi4iCsv(detected.path)) ?? join(detected.path, "ai4i2020.csv");
        return await evaluateAi4i(model, file);
      }
    }
  } finally {
    await releaseModel(model);
  }
}

/**
 * The model's metrics on the dataset: classifier `accuracy`, `macro_f1`, `per_class`,
 * `confusion`, `labels` (+ `f1`, `precision`, `recall`, `pr_auc` of the failure class on AI4I);
 * RUL regressor `rmse`, `phm08_score`.
 */
export async function evaluateModel(
  modelDir: string,
  dataDir: string,
  opts: EvaluateOptions = {},
): Promise<EvalMetrics> {
  return (await evaluateModelReport(modelDir, dataDir, opts)).metrics;
}

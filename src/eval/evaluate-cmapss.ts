/**
 * A remaining-useful-life regressor on a C-MAPSS folder (training trajectories, or NASA's
 * evaluation layout): the last cycle of every engine is scored (the usual protocol), and every
 * window of every engine as a secondary figure. True RUL is capped (125 by default) for both.
 */

import { type CmapssFolderOptions, readCmapssFolder } from "../datasets/cmapss.js";
import { cmapssWindow, RUL_CAP, windowEnds } from "../datasets/cmapss-windows.js";
import type { LoadedModel } from "../inference/load-model.js";
import { phm08Score, rmse } from "../training/metrics.js";
import type { Window } from "../types.js";
import { EvaluationError } from "./evaluation-error.js";
import type { EvalReport } from "./eval-types.js";
import { featureMatrix, primaryChannelOf, setupFromManifest } from "./feature-matrix.js";
import { runModel } from "./run-model.js";

export interface CmapssEvalOptions extends CmapssFolderOptions {
  /** Cap on the true RUL (default 125). */
  readonly rulCap?: number;
  /** Score every window too (default true). */
  readonly allWindows?: boolean;
}

export async function evaluateCmapss(
  model: LoadedModel,
  dir: string,
  opts: CmapssEvalOptions = {},
): Promise<EvalReport> {
  const { manifest } = model;
  if (manifest.task !== "regressor") {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${model.dir} is a ${manifest.task}; C-MAPSS data scores a RUL regressor`,
    );
  }
  const cap = opts.rulCap ?? RUL_CAP;
  const set = await readCmapssFolder(dir, opts);
  const windowSamples = manifest.input.windowSamples ?? 1;
  const windows: Window[] = [];
  const truth: number[] = [];
  const lastRow: number[] = [];
  set.engines.forEach((e, k) => {
    const ends = opts.allWindows === false ? [e.nCycles - 1] : windowEnds(e, windowSamples);
    for (const last of ends) {
      windows.push(cmapssWindow(e, last, windowSamples));
      truth.push(Math.min(cap, set.finalRul[k]! + e.nCycles - 1 - last));
    }
    lastRow.push(windows.length - 1);
  });
  const setup = setupFromManifest(manifest, primaryChannelOf(manifest.input.features, "cycle"));
  const predicted = await runModel(model, featureMatrix(setup, windows));
  const lastTruth = lastRow.map((i) => truth[i]!);
  const lastPredicted = lastRow.map((i) => predicted[i]!);
  return {
    metrics: { rmse: rmse(lastTruth, lastPredicted), phm08_score: phm08Score(lastTruth, lastPredicted) },
    details: {
      dataset: "cmapss",
      model: { name: manifest.name, version: manifest.version },
      files: set.files,
      unit: "engine",
      count: set.engines.length,
      layout: set.layout,
      rulCap: cap,
      ...(opts.allWindows === false
        ? {}
        : {
            windows: {
              count: windows.length,
              rmse: rmse(truth, predicted),
              phm08_score: phm08Score(truth, predicted),
            },
          }),
    },
  };
}

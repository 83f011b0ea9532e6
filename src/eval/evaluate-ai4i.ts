/**
 * A failure classifier on AI4I records: every row of the file, one time window per record
 * (the reading itself), features by the agent's extractor, inference by the loaded model.
 */

import { readAi4iCsv } from "../datasets/ai4i-csv.js";
import { ai4iWindow, FAILURE_MODE_LABELS, failureModeOf } from "../datasets/ai4i-window.js";
import type { LoadedModel } from "../inference/load-model.js";
import { EvaluationError } from "./evaluation-error.js";
import type { EvalReport } from "./eval-types.js";
import { featureMatrix, primaryChannelOf, setupFromManifest } from "./feature-matrix.js";
import { runModel } from "./run-model.js";
import { normalLabelOf, scoreClassifier } from "./score-classifier.js";

/** Milliseconds between records in the windows' timestamps (one message per record). */
export const RECORD_PERIOD_MS = 1000;

export async function evaluateAi4i(model: LoadedModel, file: string): Promise<EvalReport> {
  const { manifest } = model;
  if (manifest.task !== "classifier") {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${model.dir} is a ${manifest.task}; AI4I data scores a classifier`,
    );
  }
  const labels = manifest.output.labels;
  const records = await readAi4iCsv(file);
  const binaryModel = labels.length === 2;
  const unknown = binaryModel ? [] : FAILURE_MODE_LABELS.filter((l) => !labels.includes(l));
  if (unknown.length > 0) {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${model.dir} has labels [${labels.join(", ")}]; AI4I needs two labels (no failure, failure) or all of [${FAILURE_MODE_LABELS.join(", ")}]`,
    );
  }
  const normalLabel = binaryModel ? labels[0]! : normalLabelOf(labels);
  const normalIndex = labels.indexOf(normalLabel);
  const windows = records.map((r, i) => ai4iWindow(r, i * RECORD_PERIOD_MS));
  const setup = setupFromManifest(manifest, primaryChannelOf(manifest.input.features, "air_temp_k"));
  const probs = await runModel(model, featureMatrix(setup, windows));
  const truth = Int32Array.from(records, (r) =>
    binaryModel ? (r.machineFailure ? 1 - normalIndex : normalIndex) : labels.indexOf(failureModeOf(r)),
  );
  const metrics = scoreClassifier(probs, truth, labels, {
    truth: records.map((r) => r.machineFailure),
    normalIndex,
  });
  return {
    metrics,
    details: {
      dataset: "ai4i",
      model: { name: manifest.name, version: manifest.version },
      files: [file],
      unit: "record",
      count: records.length,
      normalLabel,
    },
  };
}

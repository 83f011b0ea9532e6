import type { FeatureParams } from "../config/profile-schema.js";
import type { FeatureRows } from "./bearing-windows.js";
import type { FoldData } from "./bearing-folds.js";
import { logInputsFor } from "./bearing-recipe.js";
import type { ClassificationReport } from "./metrics.js";
import { argmaxRows, binaryAccuracy, classificationReport } from "./metrics.js";
import type { Mlp } from "./mlp.js";
import { predictMlp } from "./mlp.js";
import type { TrainMlpResult } from "./train-mlp.js";
import { trainMlp } from "./train-mlp.js";

/**
 * The bearing-vibration classifier's recipe (features, envelope parameters, network and
 * optimiser) and how one fold of it is trained and scored.
 */

export interface BearingRecipe {
  readonly features: readonly string[];
  /** Defect orders and envelope band; the shaft speed comes per recording (or profile). */
  readonly params: FeatureParams;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly patience: number;
  /** Take logs of the features (all but skewness) inside the model. */
  readonly logInputs: boolean;
}

export interface FoldFigures {
  readonly report: ClassificationReport;
  /** Test windows scored. */
  readonly n: number;
  /** Right answers to "is this window normal?" (a fault called another fault counts as right). */
  readonly faultVsNormalAccuracy: number;
  readonly bestEpoch: number;
}

/** Trains on a fold's training rows, early-stopping on its inner (time-block) validation rows. */
export function trainOnFold(
  data: FoldData,
  recipe: BearingRecipe,
  labels: readonly string[],
  seed: number,
): TrainMlpResult {
  checkFinite(data.train);
  checkFinite(data.val);
  return trainMlp(data.train.X, data.train.y, {
    hidden: recipe.hidden,
    task: "classifier",
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    lr: recipe.lr,
    weightDecay: recipe.weightDecay,
    patience: recipe.patience,
    val: { X: data.val.X, y: data.val.y },
    seed,
    nClasses: labels.length,
    classWeights: "balanced",
    inputName: "features",
    outputName: "probabilities",
    ...(recipe.logInputs ? { logInputs: logInputsFor(recipe.features) } : {}),
  });
}

/** Class of each row under the model (argmax of the probabilities). */
export function predictClasses(mlp: Mlp, rows: FeatureRows, nClasses: number): Int32Array {
  return argmaxRows(predictMlp(mlp, rows.X), nClasses);
}

export function scoreRows(
  mlp: Mlp,
  rows: FeatureRows,
  labels: readonly string[],
  normalLabel: string,
  bestEpoch: number,
): FoldFigures {
  checkFinite(rows);
  const pred = predictClasses(mlp, rows, labels.length);
  return {
    report: classificationReport(rows.y, pred, labels),
    n: rows.y.length,
    faultVsNormalAccuracy: binaryAccuracy(rows.y, pred, labels.indexOf(normalLabel)),
    bestEpoch,
  };
}

/** Feature values must be finite: a NaN would mean a missing shaft speed or an empty window. */
function checkFinite(rows: FeatureRows): void {
  const d = rows.names.length;
  for (let i = 0; i < rows.X.length; i++) {
    if (!Number.isFinite(rows.X[i] as number)) {
      throw new Error(`feature ${rows.names[i % d]} is not finite in row ${Math.floor(i / d)}`);
    }
  }
}

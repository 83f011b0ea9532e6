/** Why a model could not be evaluated on a dataset (the dataset itself raises DatasetError). */

export type EvaluationErrorCode =
  /** The model does not fit the dataset: a classifier on run-to-failure data, unknown labels … */
  "EA_EVAL_MISMATCH";

export const EVALUATION_ERROR_FIXES: Readonly<Record<EvaluationErrorCode, string>> = {
  EA_EVAL_MISMATCH:
    "Evaluate a model on the kind of data it was trained for (its manifest's provenance names the dataset).",
};

export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
  readonly code: EvaluationErrorCode;

  constructor(code: EvaluationErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export function isEvaluationError(err: unknown): err is EvaluationError {
  return err instanceof EvaluationError;
}

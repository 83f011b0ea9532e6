/** Why a model could not be evaluated on a dataset (the dataset itself raises DatasetError). */

export type EvalErrorCode =
  /** The model does not fit the dataset: a classifier on run-to-failure data, unknown labels … */
  "EA_EVAL_MISMATCH";

export const EVAL_ERROR_FIXES: Readonly<Record<EvalErrorCode, string>> = {
  EA_EVAL_MISMATCH:
    "Evaluate a model on the kind of data it was trained for (its manifest's provenance names the dataset).",
};

export class EvalError extends Error {
  override readonly name = "EvalError";
  readonly code: EvalErrorCode;

  constructor(code: EvalErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export function isEvalError(err: unknown): err is EvalError {
  return err instanceof EvalError;
}

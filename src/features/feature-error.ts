/** Codes of the errors the feature registry throws (each has a row in the README's error table). */
export type FeatureErrorCode =
  /** A spec names a feature that no family knows. */
  | "EA_FEATURE_UNKNOWN"
  /** A known feature lacks the parameters it needs (defect orders, shaft speed, envelope band). */
  | "EA_FEATURE_PARAMS"
  /** `compute()` was given an output array too short for the features at that offset. */
  | "EA_FEATURE_OUTPUT";

/** An error of the feature registry, with a code and, for spec errors, every problem found. */
export class FeatureError extends Error {
  readonly code: FeatureErrorCode;
  /** One message per bad spec (empty for errors that are not about specs). */
  readonly problems: readonly string[];

  constructor(code: FeatureErrorCode, message: string, problems: readonly string[] = []) {
    super(message);
    this.name = "FeatureError";
    this.code = code;
    this.problems = problems;
  }
}

export function isFeatureError(e: unknown): e is FeatureError {
  return e instanceof FeatureError;
}

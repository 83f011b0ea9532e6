/**
 * Why a model folder was refused. One code per cause, a message naming the folder and saying what
 * was expected and what was found, and every problem found listed in `problems`.
 */

export type ModelErrorCode =
  | "EA_MODEL_NOT_FOUND"
  | "EA_MODEL_MANIFEST_INVALID"
  | "EA_MODEL_HASH_MISMATCH"
  | "EA_MODEL_CONTRACT"
  | "EA_MODEL_LOAD_FAILED";

/** How to fix each error, one line each (for the README's error table and the CLI). */
export const MODEL_ERROR_FIXES: Readonly<Record<ModelErrorCode, string>> = {
  EA_MODEL_NOT_FOUND:
    "Check the profile's model name and the fleet's modelsDir; the folder needs model.onnx and manifest.json.",
  EA_MODEL_MANIFEST_INVALID: "Fix each listed field of manifest.json (the export script writes a valid one).",
  EA_MODEL_HASH_MISMATCH:
    "model.onnx is not the file the manifest was written for: re-export the model, or copy the folder whole.",
  EA_MODEL_CONTRACT:
    "The ONNX graph's inputs/outputs do not match the manifest: re-export the model with the manifest's features and labels (classifiers without ZipMap).",
  EA_MODEL_LOAD_FAILED:
    "onnxruntime could not load or run model.onnx: check the opset and operators it uses.",
};

export class ModelError extends Error {
  override readonly name = "ModelError";
  readonly code: ModelErrorCode;
  /** The model folder, as given to loadModel. */
  readonly modelDir: string;
  /** Every problem found, one line each (the message lists them too). */
  readonly problems: readonly string[];

  constructor(
    code: ModelErrorCode,
    modelDir: string,
    summary: string,
    problems: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    const list = problems.length > 0 ? `:\n${problems.map((p) => `  - ${p}`).join("\n")}` : "";
    super(`model ${modelDir}: ${summary}${list}`, options);
    this.code = code;
    this.modelDir = modelDir;
    this.problems = problems;
  }
}

export function isModelError(err: unknown, code?: ModelErrorCode): err is ModelError {
  return err instanceof ModelError && (code === undefined || err.code === code);
}

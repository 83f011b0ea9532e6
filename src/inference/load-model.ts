import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InferenceSession } from "onnxruntime-node";
import { type Manifest, manifestSchema } from "./manifest-schema.js";
import { checkDeclaredContract, manifestProblems, outputWidthOf, warmUp } from "./model-contract.js";
import { ModelError } from "./model-error.js";

export { isModelError, MODEL_ERROR_FIXES, ModelError, type ModelErrorCode } from "./model-error.js";

/**
 * Loads a model folder (`model.onnx` + `manifest.json`) and refuses it, with the reason, unless the
 * manifest is valid, the file's sha256 matches the manifest, and the graph keeps the manifest's
 * contract (checked on its declared inputs/outputs and by a warm-up run).
 */

export interface LoadedModel {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly session: InferenceSession;
  readonly featureCount: number;
  readonly outputWidth: number;
}

/**
 * The agent runs on one core beside other work: one thread per session, no inter-op pool.
 * onnxruntime's own log is kept to errors (its warnings about unused initializers are noise in journald).
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  logSeverityLevel: 3,
};

async function readOrNotFound(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ModelError("EA_MODEL_NOT_FOUND", dir, `expected ${file} in the model folder, found none`);
    }
    throw new ModelError("EA_MODEL_LOAD_FAILED", dir, `could not read ${file}: ${String(err)}`, [], {
      cause: err,
    });
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  const text = (await readOrNotFound(dir, "manifest.json")).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelError("EA_MODEL_MANIFEST_INVALID", dir, `manifest.json is not JSON (${why})`);
  }
  const parsed = manifestSchema.safeParse(json);
  const problems = parsed.success
    ? manifestProblems(parsed.data)
    : parsed.error.issues.map(
        (i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`,
      );
  if (!parsed.success || problems.length > 0) {
    const n = problems.length;
    throw new ModelError(
      "EA_MODEL_MANIFEST_INVALID",
      dir,
      `manifest.json has ${n} error${n === 1 ? "" : "s"}`,
      problems,
    );
  }
  return parsed.data;
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const manifest = await readManifest(dir);
  const bytes = await readOrNotFound(dir, "model.onnx");
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== manifest.sha256) {
    throw new ModelError(
      "EA_MODEL_HASH_MISMATCH",
      dir,
      `model.onnx has sha256 ${actual}, manifest.json expects ${manifest.sha256}`,
    );
  }
  let session: InferenceSession;
  try {
    // The same bytes that were hashed: no window for the file to change between check and load.
    session = await InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelError("EA_MODEL_LOAD_FAILED", dir, `onnxruntime could not load model.onnx: ${why}`, [], {
      cause: err,
    });
  }
  const declared = checkDeclaredContract(manifest, session);
  const problems = declared.length > 0 ? declared : await warmUp(session, manifest);
  if (problems.length > 0) {
    await session.release().catch(() => undefined);
    throw new ModelError(
      "EA_MODEL_CONTRACT",
      dir,
      "the ONNX graph does not keep the manifest's contract",
      problems,
    );
  }
  return Object.freeze({
    dir,
    manifest,
    session,
    featureCount: manifest.input.features.length,
    outputWidth: outputWidthOf(manifest),
  });
}

/** Frees the session's native memory; the model must not be used afterwards. */
export async function releaseModel(model: LoadedModel): Promise<void> {
  await model.session.release();
}

const sameRate = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/**
 * Whether a profile may feed this model. Returns one message per misfit, [] when it fits.
 * The profile's feature list, when given, must equal the manifest's exactly, order included; the
 * manifest's window length and sample rate, when present, must equal the profile's. A value the
 * profile does not give (undefined) is not checked here: windows carry their rate, check it per window.
 */
export function checkProfileFit(
  model: LoadedModel,
  profileFeatures: readonly string[] | undefined,
  windowSamples: number | undefined,
  sampleRateHz: number | undefined,
): string[] {
  const { input } = model.manifest;
  const misfits: string[] = [];
  if (profileFeatures !== undefined) {
    const at = input.features.findIndex((f, i) => profileFeatures[i] !== f);
    const firstDiff =
      at >= 0 ? at : profileFeatures.length > input.features.length ? input.features.length : -1;
    if (firstDiff >= 0) {
      misfits.push(
        `features: the profile lists ${profileFeatures.length} features, the model ${model.dir} expects ` +
          `${input.features.length}; they differ first at position ${firstDiff} ` +
          `(profile: ${profileFeatures[firstDiff] ?? "nothing"}, model: ${input.features[firstDiff] ?? "nothing"})`,
      );
    }
  }
  if (
    input.windowSamples !== undefined &&
    windowSamples !== undefined &&
    input.windowSamples !== windowSamples
  ) {
    misfits.push(
      `windowSamples: the model ${model.dir} was trained on windows of ${input.windowSamples} samples, ` +
        `the profile cuts ${windowSamples}`,
    );
  }
  if (
    input.sampleRateHz !== undefined &&
    sampleRateHz !== undefined &&
    !sameRate(input.sampleRateHz, sampleRateHz)
  ) {
    misfits.push(
      `sampleRateHz: the model ${model.dir} was trained at ${input.sampleRateHz} Hz, the profile's channel runs at ${sampleRateHz} Hz`,
    );
  }
  return misfits;
}

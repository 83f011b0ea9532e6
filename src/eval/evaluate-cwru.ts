/**
 * A vibration classifier on a CWRU-style manifest folder: each recording cut into windows of the
 * model's `windowSamples`, features by the agent's extractor with the recording's shaft speed,
 * every window scored against the recording's label.
 */

import { type CwruRecording, readCwruManifest, readCwruSignal } from "../datasets/cwru-manifest.js";
import { signalWindows } from "../datasets/cwru-windows.js";
import type { LoadedModel } from "../inference/load-model.js";
import { EvaluationError } from "./evaluation-error.js";
import type { EvalReport } from "./eval-types.js";
import { featureMatrix, primaryChannelOf, setupFromManifest } from "./feature-matrix.js";
import { runModel } from "./run-model.js";
import { scoreClassifier } from "./score-classifier.js";
import { datasetManifestSha256 } from "./test-set.js";

export interface CwruEvalOptions {
  /** Only recordings with these fault sizes (inch); recordings without a fault size are kept. */
  readonly faultSizesIn?: readonly number[];
  /** Only recordings at these loads (hp). */
  readonly loadsHp?: readonly number[];
  /** Samples between window starts (default: the window length, no overlap). */
  readonly hopSamples?: number;
  /** Check each recording's sha256 against the manifest (default true). */
  readonly verifyHash?: boolean;
  /**
   * By recording file (as the manifest names it): only windows inside samples [from, to) of that
   * recording, e.g. the held-out time block of a recording split between training and test.
   * Every range must name a recording of the manifest.
   */
  readonly recordingRanges?: Readonly<Record<string, readonly [number, number]>>;
  /** The dataset's manifest.json must have this sha256 (a test set recorded on that dataset). */
  readonly datasetManifestSha256?: string;
}

function selected(r: CwruRecording, opts: CwruEvalOptions): boolean {
  if (
    opts.faultSizesIn !== undefined &&
    r.faultSizeIn !== null &&
    !opts.faultSizesIn.includes(r.faultSizeIn)
  ) {
    return false;
  }
  return opts.loadsHp === undefined || (r.loadHp !== null && opts.loadsHp.includes(r.loadHp));
}

/** A recorded test set must be the dataset it was cut from, and name only its recordings. */
async function checkTestSetFits(
  recordings: readonly CwruRecording[],
  dir: string,
  opts: CwruEvalOptions,
): Promise<void> {
  if (opts.datasetManifestSha256 !== undefined) {
    const got = await datasetManifestSha256(dir);
    if (got !== opts.datasetManifestSha256) {
      throw new EvaluationError(
        "EA_EVAL_MISMATCH",
        `the test set was recorded on a dataset whose manifest.json has sha256 ${opts.datasetManifestSha256}; ${dir}/manifest.json has ${got}`,
      );
    }
  }
  for (const [file, [from, to]] of Object.entries(opts.recordingRanges ?? {})) {
    const r = recordings.find((x) => x.file === file);
    if (r === undefined) {
      throw new EvaluationError(
        "EA_EVAL_MISMATCH",
        `a sample range names ${file}, which ${dir}/manifest.json does not list`,
      );
    }
    if (!(from >= 0 && from < to && to <= r.sampleCount)) {
      throw new EvaluationError(
        "EA_EVAL_MISMATCH",
        `the sample range [${from}, ${to}) of ${file} does not lie within its ${r.sampleCount} samples`,
      );
    }
  }
}

export async function evaluateCwru(
  model: LoadedModel,
  dir: string,
  opts: CwruEvalOptions = {},
): Promise<EvalReport> {
  const { manifest } = model;
  if (manifest.task !== "classifier") {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${model.dir} is a ${manifest.task}; CWRU data scores a classifier`,
    );
  }
  const windowSamples = manifest.input.windowSamples;
  if (windowSamples === undefined) {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${model.dir}: the manifest gives no input.windowSamples to cut recordings`,
    );
  }
  const labels = manifest.output.labels;
  const m = await readCwruManifest(dir);
  await checkTestSetFits(m.recordings, dir, opts);
  const recordings = m.recordings.filter((r) => selected(r, opts));
  const missing = [...new Set(recordings.map((r) => r.label))].filter((l) => !labels.includes(l));
  if (missing.length > 0) {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `recordings labelled [${missing.join(", ")}] are not among the model's labels [${labels.join(", ")}]`,
    );
  }
  const channel = primaryChannelOf(manifest.input.features, "vibration");
  const parts: Float32Array[] = [];
  const truth: number[] = [];
  for (const r of recordings) {
    const signal = await readCwruSignal(m, r, { verifyHash: opts.verifyHash ?? true });
    const range = opts.recordingRanges?.[r.file];
    const windows = signalWindows(signal, {
      windowSamples,
      sampleRateHz: r.sampleRateHz,
      channel,
      ...(opts.hopSamples !== undefined ? { hopSamples: opts.hopSamples } : {}),
      ...(range !== undefined ? { from: range[0], to: range[1] } : {}),
    });
    if (windows.length === 0) continue;
    // The recording's own shaft speed, as a profile with a known speed (or an rpm channel) gives it.
    const base = setupFromManifest(manifest, channel);
    const { shaftRpm: _unused, ...params } = base.params;
    const setup = { ...base, params: { ...params, shaftHz: r.rpm / 60 } };
    const probs = await runModel(model, featureMatrix(setup, windows));
    parts.push(probs);
    for (let i = 0; i < windows.length; i++) truth.push(labels.indexOf(r.label));
  }
  const probs = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    probs.set(p, at);
    at += p.length;
  }
  const selection = describeSelection(opts);
  return {
    metrics: scoreClassifier(probs, truth, labels),
    details: {
      dataset: "cwru",
      model: { name: manifest.name, version: manifest.version },
      files: [`${dir}/manifest.json`, ...recordings.map((r) => r.file)],
      unit: "window",
      count: truth.length,
      ...(selection !== "" ? { selection } : {}),
    },
  };
}

/** "fault sizes 0.021 in; hop 1024; signals/normal.f32 samples [0, 21600)", or "" for everything. */
function describeSelection(opts: CwruEvalOptions): string {
  const parts: string[] = [];
  if (opts.faultSizesIn !== undefined) parts.push(`fault sizes ${opts.faultSizesIn.join(", ")} in`);
  if (opts.loadsHp !== undefined) parts.push(`loads ${opts.loadsHp.join(", ")} hp`);
  if (opts.hopSamples !== undefined) parts.push(`hop ${opts.hopSamples}`);
  for (const [file, [from, to]] of Object.entries(opts.recordingRanges ?? {})) {
    parts.push(`${file} samples [${from}, ${to})`);
  }
  return parts.join("; ");
}

import type { FeatureParams } from "../config/profile-schema.js";
import type { CwruManifest, CwruRecording } from "../datasets/cwru-manifest.js";
import { readCwruSignal } from "../datasets/cwru-manifest.js";
import { FeatureExtractor } from "../features/feature-extractor.js";
import type { Window } from "../types.js";

/**
 * Feature rows from bearing recordings, through the agent's own FeatureExtractor: each
 * recording is cut into windows and each window's features computed with that recording's
 * shaft speed (`params.shaftRpm` = the recording's rpm), exactly as the agent computes them
 * from a device profile at run time.
 */

export const VIBRATION_CHANNEL = "vibration";

/** One window's provenance, to split by fault size, recording and time. */
export interface WindowInfo {
  readonly recording: number;
  readonly label: number;
  readonly faultSizeIn: number | null;
  readonly loadHp: number | null;
  /** First sample of the window in its recording. */
  readonly start: number;
}

export interface FeatureRows {
  readonly names: readonly string[];
  /** rows × names.length, row-major. */
  readonly X: Float32Array;
  readonly y: Int32Array;
  readonly info: readonly WindowInfo[];
}

export interface WindowPlan {
  readonly windowSamples: number;
  readonly hopSamples: number;
  /** Only windows inside [from, to) of the recording (samples); default the whole recording. */
  readonly from?: number;
  readonly to?: number;
}

export interface RecordingSignal {
  readonly index: number;
  readonly rec: CwruRecording;
  readonly samples: Float32Array;
}

/** Loads the recordings (sha256 checked) once, for several feature sets and splits. */
export async function loadRecordings(m: CwruManifest): Promise<RecordingSignal[]> {
  const out: RecordingSignal[] = [];
  for (const [index, rec] of m.recordings.entries()) {
    out.push({ index, rec, samples: await readCwruSignal(m, rec, { verifyHash: true }) });
  }
  return out;
}

/** Start samples of the windows of `plan` within a recording of `length` samples. */
export function windowStarts(length: number, plan: WindowPlan): number[] {
  const from = Math.max(0, plan.from ?? 0);
  const to = Math.min(length, plan.to ?? length);
  const starts: number[] = [];
  for (let s = from; s + plan.windowSamples <= to; s += plan.hopSamples) starts.push(s);
  return starts;
}

/**
 * Features of the planned windows of each recording. `plan(rec)` chooses the windows per
 * recording (null skips it); `labels` maps label names to class indices.
 */
export function featureRows(
  signals: readonly RecordingSignal[],
  features: readonly string[],
  params: FeatureParams,
  labels: readonly string[],
  plan: (r: RecordingSignal) => WindowPlan | null,
): FeatureRows {
  const extractors = new Map<string, FeatureExtractor>();
  const extractorFor = (rpm: number, sampleRateHz: number, windowSamples: number) => {
    const key = `${rpm}/${sampleRateHz}/${windowSamples}`;
    let fx = extractors.get(key);
    if (fx === undefined) {
      fx = new FeatureExtractor(features, {
        primaryChannel: VIBRATION_CHANNEL,
        sampleRateHz,
        windowSamples,
        params: { ...params, shaftRpm: rpm },
      });
      extractors.set(key, fx);
    }
    return fx;
  };
  const rows: { start: number; sig: RecordingSignal; plan: WindowPlan }[] = [];
  for (const sig of signals) {
    const p = plan(sig);
    if (p === null) continue;
    for (const start of windowStarts(sig.samples.length, p)) rows.push({ start, sig, plan: p });
  }
  const d = features.length;
  const X = new Float32Array(rows.length * d);
  const y = new Int32Array(rows.length);
  const info: WindowInfo[] = [];
  rows.forEach(({ start, sig, plan: p }, i) => {
    const { rec } = sig;
    const label = labels.indexOf(rec.label);
    if (label < 0)
      throw new Error(`recording ${rec.file}: label "${rec.label}" is not one of ${labels.join(", ")}`);
    const fx = extractorFor(rec.rpm, rec.sampleRateHz, p.windowSamples);
    const window: Window = {
      channel: VIBRATION_CHANNEL,
      t0Ms: (start / rec.sampleRateHz) * 1000,
      tsMs: ((start + p.windowSamples) / rec.sampleRateHz) * 1000,
      sampleRateHz: rec.sampleRateHz,
      channels: { [VIBRATION_CHANNEL]: sig.samples.subarray(start, start + p.windowSamples) },
    };
    fx.compute(window, X, i * d);
    y[i] = label;
    info.push({ recording: sig.index, label, faultSizeIn: rec.faultSizeIn, loadHp: rec.loadHp, start });
  });
  return { names: [...features], X, y, info };
}

import type { FeatureParams } from "../config/profile-schema.js";
import type { FeatureRows, RecordingSignal, WindowPlan } from "./bearing-windows.js";
import { featureRows } from "./bearing-windows.js";

/**
 * The cross-size protocol for the CWRU bearing data. Each fault class is one physical bearing
 * per fault size, so a fold trains on one fault size and tests on the other (a bearing it has
 * never seen); the only normal recording is split into two time blocks, one per fold.
 * Inside a training set the last `innerValShare` of every recording (in time) is the
 * validation set for early stopping; no window crosses a block boundary.
 */

export interface BearingSplitOptions {
  readonly windowSamples: number;
  /** Hop of fault windows and of all test windows. */
  readonly hopSamples: number;
  /** Hop of normal training windows (the normal recording is short: overlapping windows). */
  readonly normalTrainHopSamples: number;
  /** Share of each training recording (its end) used for early stopping. */
  readonly innerValShare: number;
  readonly normalLabel: string;
}

export interface FoldSpec {
  readonly name: string;
  /** Fault sizes (inches) to train on; null: every size. */
  readonly trainSizes: readonly number[] | null;
  /** Fault sizes to test on (empty: no test set, e.g. the shipped model). */
  readonly testSizes: readonly number[];
  /** Normal recording's share to train on: [from, to) as fractions of its length. */
  readonly normalTrain: readonly [number, number];
  readonly normalTest: readonly [number, number] | null;
}

export interface FoldData {
  readonly spec: FoldSpec;
  readonly train: FeatureRows;
  readonly val: FeatureRows;
  readonly test: FeatureRows | null;
}

/** Train on 0.007" and test on 0.021", and the reverse; normal split in halves by time. */
export function crossSizeFolds(sizes: readonly [number, number]): FoldSpec[] {
  const [a, b] = sizes;
  return [
    {
      name: `train ${a} → test ${b}`,
      trainSizes: [a],
      testSizes: [b],
      normalTrain: [0, 0.5],
      normalTest: [0.5, 1],
    },
    {
      name: `train ${b} → test ${a}`,
      trainSizes: [b],
      testSizes: [a],
      normalTrain: [0.5, 1],
      normalTest: [0, 0.5],
    },
  ];
}

/** Every fault size and all of the normal recording: the shipped model. */
export const ALL_DATA_FOLD: FoldSpec = {
  name: "all sizes",
  trainSizes: null,
  testSizes: [],
  normalTrain: [0, 1],
  normalTest: null,
};

function isNormal(r: RecordingSignal, o: BearingSplitOptions): boolean {
  return r.rec.label === o.normalLabel;
}

function sizeIn(r: RecordingSignal, sizes: readonly number[] | null): boolean {
  return sizes === null || (r.rec.faultSizeIn !== null && sizes.includes(r.rec.faultSizeIn));
}

/** [from, to) in samples of a fraction range of a recording. */
function range(r: RecordingSignal, frac: readonly [number, number]): [number, number] {
  const n = r.samples.length;
  return [Math.round(frac[0] * n), Math.round(frac[1] * n)];
}

/** The train / inner-validation plans of a training recording (time blocks, train first). */
function trainPlans(
  r: RecordingSignal,
  spec: FoldSpec,
  o: BearingSplitOptions,
): { train: WindowPlan; val: WindowPlan } | null {
  const normal = isNormal(r, o);
  if (!normal && !sizeIn(r, spec.trainSizes)) return null;
  const [from, to] = normal ? range(r, spec.normalTrain) : [0, r.samples.length];
  const cut = Math.round(to - o.innerValShare * (to - from));
  const hop = normal ? o.normalTrainHopSamples : o.hopSamples;
  return {
    train: { windowSamples: o.windowSamples, hopSamples: hop, from, to: cut },
    val: { windowSamples: o.windowSamples, hopSamples: hop, from: cut, to },
  };
}

function testPlan(r: RecordingSignal, spec: FoldSpec, o: BearingSplitOptions): WindowPlan | null {
  if (isNormal(r, o)) {
    if (spec.normalTest === null) return null;
    const [from, to] = range(r, spec.normalTest);
    return { windowSamples: o.windowSamples, hopSamples: o.hopSamples, from, to };
  }
  // A fault recording without a size (e.g. exported from feedback) is never trained on in a
  // fold: every fold tests it, as `edge-agent eval` keeps recordings without a size.
  if (spec.testSizes.length === 0) return null;
  if (r.rec.faultSizeIn !== null && !spec.testSizes.includes(r.rec.faultSizeIn)) return null;
  return { windowSamples: o.windowSamples, hopSamples: o.hopSamples };
}

/** A fold's test set as `edge-agent eval` options (see src/eval/test-set.ts). */
export interface FoldTestSet {
  readonly faultSizesIn: number[];
  readonly hopSamples: number;
  /** The test block of each normal recording, by file: samples [from, to). */
  readonly recordingRanges: Record<string, [number, number]>;
}

/**
 * The windows testPlan scores, said as evaluation options: the held-out fault sizes (whole
 * recordings, every `hopSamples`) and the held-out time block of each normal recording.
 */
export function foldTestSet(
  signals: readonly RecordingSignal[],
  spec: FoldSpec,
  o: BearingSplitOptions,
): FoldTestSet {
  const recordingRanges: Record<string, [number, number]> = {};
  if (spec.normalTest !== null) {
    for (const r of signals) if (isNormal(r, o)) recordingRanges[r.rec.file] = range(r, spec.normalTest);
  }
  return { faultSizesIn: [...spec.testSizes], hopSamples: o.hopSamples, recordingRanges };
}

/** Feature rows of a fold's training, inner-validation and test sets. */
export function foldData(
  signals: readonly RecordingSignal[],
  spec: FoldSpec,
  features: readonly string[],
  params: FeatureParams,
  labels: readonly string[],
  o: BearingSplitOptions,
): FoldData {
  const rows = (plan: (r: RecordingSignal) => WindowPlan | null) =>
    featureRows(signals, features, params, labels, plan);
  const train = rows((r) => trainPlans(r, spec, o)?.train ?? null);
  const val = rows((r) => trainPlans(r, spec, o)?.val ?? null);
  const test = spec.testSizes.length > 0 ? rows((r) => testPlan(r, spec, o)) : null;
  return { spec, train, val, test };
}

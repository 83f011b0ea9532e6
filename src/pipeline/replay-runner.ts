import { Tensor } from "onnxruntime-node";
import type { ResolvedAsset } from "../config/load-config.js";
import type { LoadedModel } from "../inference/load-model.js";
import { predictRow } from "../inference/predict.js";
import type { Advice, Prediction, Reading } from "../types.js";
import type { WindowerStats } from "../windows/windower.js";
import { AssetPipeline, type RowTag } from "./asset-pipeline.js";

/** What a regressor predicted over a replay (e.g. remaining useful life). */
export interface ReplayValues {
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
}

/** What a replay produced: the advice timeline and what the windows were classified as. */
export interface ReplayResult {
  readonly windows: number;
  readonly predictions: number;
  readonly discarded: Record<string, number>;
  /** What the windower dropped or noticed (sparse time windows, late readings, gaps). */
  readonly windowStats: WindowerStats;
  /** Windows per predicted class. */
  readonly classCounts: Record<string, number>;
  /** Regressors: the first, last, lowest and highest value predicted. */
  readonly values?: ReplayValues;
  readonly timeline: readonly Advice[];
  /** Every prediction, in window order (for parity checks); only kept when asked. */
  readonly predictionLog?: readonly Prediction[];
}

export type ReplayInput =
  | { readonly kind: "payload"; readonly bytes: Uint8Array }
  | { readonly kind: "reading"; readonly reading: Reading };

/**
 * Runs recorded input through one asset's own pipeline — codec, windows, features, the model,
 * the advice state machine — as fast as it goes, in data time: the state machine's clock is the
 * time of each window, so holds and cooldowns mean what they mean live. A time window closes
 * when a reading at or after its period's end arrives, or, for the last one, at the end of the
 * input (as a live agent's timer would close it); it is dropped as sparse, and counted in
 * `windowStats`, when a channel has fewer than `minReadings` readings in it.
 */
export async function replay(
  asset: ResolvedAsset,
  model: LoadedModel,
  inputs: Iterable<ReplayInput>,
  opts: { readonly batchRows?: number; readonly keepPredictions?: boolean } = {},
): Promise<ReplayResult> {
  const discarded: Record<string, number> = {};
  const count = (reason: string) => {
    discarded[reason] = (discarded[reason] ?? 0) + 1;
  };
  const pipeline = new AssetPipeline(asset, model, "replay", (reason) => count(reason));
  const width = pipeline.extractor.size;
  const batchRows = opts.batchRows ?? 256;
  const rows = new Float32Array(batchRows * width);
  const tags: RowTag[] = [];
  const timeline: Advice[] = [];
  const classCounts: Record<string, number> = {};
  const predictionLog: Prediction[] = [];
  let predictions = 0;
  const regressor = model.manifest.task === "regressor";
  let values: { first: number; last: number; min: number; max: number } | undefined;
  const adv = asset.profile.advice;
  const valueClasses = { thresholds: adv.thresholds ?? [], normalClass: adv.normalClass };

  const flush = async () => {
    if (tags.length === 0) return;
    const n = tags.length;
    const { name: inName } = model.manifest.input;
    const { name: outName } = model.manifest.output;
    const out = await model.session.run(
      { [inName]: new Tensor("float32", rows.slice(0, n * width), [n, width]) },
      [outName],
    );
    const data = out[outName]?.data as Float32Array;
    const result = { outputs: data, rows: n, outputWidth: model.outputWidth, latencyMs: 0 };
    for (let i = 0; i < n; i++) {
      const p = predictRow(model, result, i, tags[i]!.tsMs, valueClasses);
      predictions++;
      classCounts[p.className] = (classCounts[p.className] ?? 0) + 1;
      if (regressor) {
        const v = p.value;
        if (values === undefined) values = { first: v, last: v, min: v, max: v };
        else values = { ...values, last: v, min: Math.min(values.min, v), max: Math.max(values.max, v) };
      }
      if (opts.keepPredictions) predictionLog.push(p);
      const a = pipeline.machine.update(p, p.tsMs);
      if (a !== null) timeline.push(a);
    }
    tags.length = 0;
  };
  const emit = (row: Float32Array, tag: RowTag) => {
    rows.set(row, tags.length * width);
    tags.push(tag);
  };

  for (const input of inputs) {
    if (input.kind === "payload") {
      const bad = pipeline.ingest(input.bytes, Date.now(), emit);
      if (bad !== null) count(bad.reason);
    } else {
      pipeline.ingestReadings([input.reading], emit);
    }
    // Windows come at most a few per input: flush before the batch buffer could overflow.
    if (tags.length >= batchRows - 64) await flush();
  }
  if (asset.profile.windowing.type === "time") pipeline.tick(Number.POSITIVE_INFINITY, emit);
  await flush();
  return {
    windows: pipeline.counters.windows,
    predictions,
    discarded,
    windowStats: { ...pipeline.windower.stats },
    classCounts,
    ...(values !== undefined ? { values } : {}),
    timeline,
    ...(opts.keepPredictions ? { predictionLog } : {}),
  };
}

/** A raw float32 recording as contiguous readings of `blockSamples`, starting at `startMs`. */
export function* signalReadings(
  signal: Float32Array,
  channel: string,
  sampleRateHz: number,
  startMs: number,
  blockSamples: number,
): Generator<ReplayInput> {
  for (let at = 0; at < signal.length; at += blockSamples) {
    const samples = signal.subarray(at, Math.min(signal.length, at + blockSamples));
    yield {
      kind: "reading",
      reading: { channel, tsMs: startMs + (at / sampleRateHz) * 1000, sampleRateHz, samples },
    };
  }
}

import type { Advice, AssetRef, Prediction } from "../types.js";

/** Which asset, profile and model a point belongs to: the low-cardinality tags of every point. */
export interface PointContext {
  readonly asset: AssetRef;
  readonly profile: string;
  readonly model: string;
  readonly modelVersion: string;
}

export interface SinkHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Where history goes (InfluxDB, the local store): features per window, predictions, advice
 * changes. Calls come from the hot path: a sink buffers and writes in batches on its own time,
 * and never throws into the pipeline.
 */
export interface TelemetrySink {
  readonly name: string;
  start(): Promise<void>;
  /** Flushes what it holds (to the server or its spool) within `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** `values` is only valid during the call: copy what you keep. */
  features(ctx: PointContext, tsMs: number, names: readonly string[], values: Float32Array): void;
  prediction(ctx: PointContext, p: Prediction): void;
  advice(ctx: PointContext, a: Advice): void;
  health(): SinkHealth;
}

/**
 * The typed values that flow between the stages of the pipeline:
 * Reading → Window → FeatureVector → Prediction → Advice.
 * Each stage imports only the values of the stages before it.
 */

/** Which asset a value belongs to. `key` is `site/asset`, unique in a fleet. */
export interface AssetRef {
  readonly site: string;
  readonly asset: string;
  readonly key: string;
}

/** One decoded block of samples of one channel, as it came off the wire. */
export interface Reading {
  readonly channel: string;
  /** Time of the first sample, ms since the epoch (the message's `ts`). */
  readonly tsMs: number;
  /** Sample rate carried by the message, or NaN when the message does not say (scalar readings). */
  readonly sampleRateHz: number;
  /** Samples after the channel's scale and offset. */
  readonly samples: Float32Array;
}

/** Why a payload (or some bytes) were not turned into readings. */
export type DiscardReason =
  | "oversize"
  | "bad_json"
  | "bad_csv"
  | "bad_binary"
  | "missing_field"
  | "bad_type"
  | "non_finite"
  | "wrong_length"
  | "sample_rate_mismatch"
  | "unknown_channel"
  | "bad_frame"
  | "overload";

/** Bad input is data: a payload that could not be decoded, with the reason. Never thrown. */
export interface Discarded {
  readonly kind: "discarded";
  readonly reason: DiscardReason;
  readonly detail: string;
}

export type DecodeResult = { readonly kind: "readings"; readonly readings: readonly Reading[] } | Discarded;

/** A complete window of samples, ready for feature extraction. */
export interface Window {
  /** The channel the window was cut on (the profile's primary channel for block/sliding windows). */
  readonly channel: string;
  /** Time of the first sample, ms since the epoch. */
  readonly t0Ms: number;
  /** Time of the message that completed the window (carried to predictions, for latency). */
  readonly tsMs: number;
  readonly sampleRateHz: number;
  /**
   * Samples per channel. Block and sliding windows hold one channel; time windows of
   * scalar readings hold every scalar channel of the asset over the same period.
   */
  readonly channels: Readonly<Record<string, Float32Array>>;
}

/** Severity of an advice, ordered from harmless to urgent. */
export const SEVERITIES = ["ok", "info", "warning", "alarm", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What a model said about one window. */
export interface Prediction {
  readonly model: string;
  readonly modelVersion: string;
  readonly tsMs: number;
  /** Index into the model's class labels (for regressors: the class the profile's thresholds map the value to). */
  readonly classIndex: number;
  readonly className: string;
  /** Probability of `className` (1 for a regressor mapped through thresholds). */
  readonly confidence: number;
  /** Class probabilities, in the manifest's label order (empty for regressors). */
  readonly probabilities: Float32Array;
  /** The regressor's output (e.g. remaining useful life), NaN for classifiers. */
  readonly value: number;
}

/** A change of the advice for one asset and model: published retained, logged, acted on. */
export interface Advice {
  readonly site: string;
  readonly asset: string;
  readonly model: string;
  readonly modelVersion: string;
  /** The advised class (fault), e.g. `outer_race`, or the profile's normal class. */
  readonly fault: string;
  readonly severity: Severity;
  readonly confidence: number;
  /** Recommended action text from the profile's advice table. */
  readonly action: string;
  /** Time of the window whose evidence made the change. */
  readonly windowTsMs: number;
  /** When the advice changed (the time the state machine was given). */
  readonly changedAtMs: number;
  /** Id of the fault episode: the same from the first fault advice to the recovery that ends it. */
  readonly episodeId: string;
  readonly previousFault: string | null;
  readonly previousSeverity: Severity | null;
  /** `raise` (normal → fault), `escalate`, `deescalate`, `change` (fault → other fault), `recover` (fault → normal). */
  readonly transition: AdviceTransition;
  /** Model output value for regressors (e.g. RUL), NaN otherwise. */
  readonly value: number;
}

export type AdviceTransition = "raise" | "escalate" | "deescalate" | "change" | "recover";

import type { BaselineConfig } from "../config/quality-schema.js";
import type { Prediction } from "../types.js";
import {
  anomalyProbability,
  fitRobustBaseline,
  type RobustBaseline,
  robustScore,
} from "./robust-baseline.js";

/** Model name and classes that baseline predictions carry. */
export const BASELINE_MODEL = "baseline";
export const BASELINE_LABELS = ["normal", "anomaly"] as const;

export type BaselinePhase = "learning" | "scoring";

/**
 * The anomaly baseline of one asset. While learning it keeps the feature rows of the first
 * `learnWindows` windows it is given (the caller gives only running windows); then it fits the
 * robust baseline, hands it to `onFitted` (to persist it) and scores every later window. A score
 * becomes a Prediction of `anomaly` or `normal` with the logistic probability, so it can feed
 * the same advice state machine as a classifier.
 */
export class BaselineDetector {
  readonly features: readonly string[];
  readonly counts = { learned: 0, scored: 0, anomalous: 0 };
  /** The last window's score (NaN while learning). */
  lastScore = Number.NaN;
  private readonly cfg: BaselineConfig;
  private readonly learnRows: Float32Array;
  private baseline: RobustBaseline | null = null;
  private readonly probs = new Float32Array(2);
  private readonly onFitted: (b: RobustBaseline) => void;
  private readonly normalClass: string;

  /** `normalClass`: the name predictions give a window that fits the baseline (the profile's normal class). */
  constructor(
    features: readonly string[],
    cfg: BaselineConfig,
    onFitted: (b: RobustBaseline) => void = () => {},
    normalClass = "normal",
  ) {
    this.features = features;
    this.cfg = cfg;
    this.onFitted = onFitted;
    this.normalClass = normalClass;
    this.learnRows = new Float32Array(cfg.learnWindows * features.length);
  }

  get phase(): BaselinePhase {
    return this.baseline === null ? "learning" : "scoring";
  }

  get fitted(): RobustBaseline | null {
    return this.baseline;
  }

  /** Starts from a stored baseline (same features, in order) instead of learning; false if it does not fit. */
  restore(b: RobustBaseline): boolean {
    if (b.features.length !== this.features.length || b.features.some((f, i) => f !== this.features[i]))
      return false;
    this.baseline = b;
    return true;
  }

  /** Forgets the baseline and learns again (after a repair, a new duty). */
  relearn(): void {
    this.baseline = null;
    this.counts.learned = 0;
  }

  /**
   * One window's feature row: learned while learning (null), scored afterwards. The returned
   * Prediction's `probabilities` array is reused by the next call: consume it at once.
   */
  observe(row: Float32Array, tsMs: number, nowMs: number): Prediction | null {
    const d = this.features.length;
    if (this.baseline === null) {
      this.learnRows.set(row.subarray(0, d), this.counts.learned * d);
      this.counts.learned++;
      if (this.counts.learned === this.cfg.learnWindows) {
        this.baseline = fitRobustBaseline(this.learnRows, this.counts.learned, this.features, nowMs);
        this.onFitted(this.baseline);
      }
      return null;
    }
    const score = robustScore(this.baseline, row, this.cfg.combine);
    this.lastScore = score;
    this.counts.scored++;
    const p = anomalyProbability(score, this.cfg.threshold, this.cfg.softness);
    this.probs[0] = 1 - p;
    this.probs[1] = p;
    const anomalous = p >= 0.5;
    if (anomalous) this.counts.anomalous++;
    return {
      model: BASELINE_MODEL,
      modelVersion: `fit-${Math.round(this.baseline.fittedAtMs).toString(36)}`,
      tsMs,
      classIndex: anomalous ? 1 : 0,
      className: anomalous ? "anomaly" : this.normalClass,
      confidence: anomalous ? p : 1 - p,
      probabilities: this.probs,
      value: score,
    };
  }
}

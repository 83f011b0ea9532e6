import { AdviceMachine } from "../advice/advice-machine.js";
import type { AdviceConfig, FeatureParams } from "../config/profile-schema.js";
import type { BaselineConfig } from "../config/quality-schema.js";
import { FeatureExtractor } from "../features/feature-extractor.js";
import type { Advice, Window } from "../types.js";
import { BASELINE_LABELS, BASELINE_MODEL, BaselineDetector } from "./baseline-detector.js";
import type { RobustBaseline } from "./robust-baseline.js";

export interface AssetBaselineOptions {
  readonly site: string;
  readonly asset: string;
  readonly cfg: BaselineConfig;
  /** The profile's advice section: its debounce and timing apply to the baseline's advice too. */
  readonly advice: AdviceConfig;
  /** The model's feature row names (used when the baseline names no features of its own). */
  readonly rowNames: readonly string[];
  readonly extractor: {
    readonly primaryChannel: string;
    readonly sampleRateHz: number;
    readonly windowSamples: number;
    readonly params: FeatureParams;
  };
  readonly onFitted: (b: RobustBaseline) => void;
}

/**
 * The anomaly baseline of one asset wired to its own advice state machine: the feature row
 * (the model's, or the baseline's own features computed from the window into a reused buffer)
 * is learned, then scored, and each score's Prediction of `normal` or `anomaly` goes through
 * an AdviceMachine with the profile's debounce, hold and cooldown.
 */
export class AssetBaseline {
  readonly detector: BaselineDetector;
  readonly machine: AdviceMachine;
  readonly names: readonly string[];
  /** The row the baseline saw last (its own features, or the model's row). */
  row: Float32Array;
  private readonly extractor: FeatureExtractor | null;
  private readonly ownRow: Float32Array | null;

  constructor(o: AssetBaselineOptions) {
    const own = o.cfg.features;
    const same =
      own === undefined || (own.length === o.rowNames.length && own.every((f, i) => f === o.rowNames[i]));
    this.names = same ? o.rowNames : own;
    this.extractor = same ? null : new FeatureExtractor(own, o.extractor);
    this.ownRow = same ? null : new Float32Array(own.length);
    this.row = this.ownRow ?? new Float32Array(0);
    const normal = o.advice.normalClass;
    this.detector = new BaselineDetector(this.names, o.cfg, o.onFitted, normal);
    this.machine = new AdviceMachine({
      site: o.site,
      asset: o.asset,
      model: BASELINE_MODEL,
      modelVersion: "1",
      labels: [normal, BASELINE_LABELS[1]],
      advice: {
        ...o.advice,
        thresholds: undefined,
        classes: {
          [normal]: { severity: "ok", action: "No action: behaviour matches the learned baseline." },
          anomaly: { severity: o.cfg.severity, action: o.cfg.action },
        },
      },
    });
  }

  /**
   * One admitted window and the model's feature row. Returns the advice change it caused, or
   * null. Rows that are not finite are neither learned nor scored.
   */
  observe(w: Window, modelRow: Float32Array, nowMs: number): Advice | null {
    let row = modelRow;
    if (this.extractor !== null && this.ownRow !== null) {
      this.extractor.compute(w, this.ownRow, 0);
      row = this.ownRow;
      for (let i = 0; i < row.length; i++) if (!Number.isFinite(row[i]!)) return null;
    }
    this.row = row;
    const p = this.detector.observe(row, w.tsMs, nowMs);
    if (p === null) return null;
    return this.machine.update(p, nowMs);
  }
}

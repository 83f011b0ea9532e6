import type { Advice, Severity } from "../types.js";

/** The conditions the agent reports about its own input, each as advice of its own kind. */
export const QUALITY_CONDITIONS = [
  "model_out_of_distribution",
  "flatline",
  "clipping",
  "sample_rate_jitter",
  "missing_data",
] as const;
export type QualityCondition = (typeof QUALITY_CONDITIONS)[number];

/** Model name that quality advice carries (the fault model's advice keeps its own). */
export const QUALITY_MODEL = "quality";

export const QUALITY_ACTIONS: Readonly<Record<QualityCondition, string>> = {
  model_out_of_distribution:
    "The model's input no longer looks like its training data: check the sensor and the machine's duty, and consider retraining on recent labelled data.",
  flatline: "A channel is stuck at one value: check the sensor, its cable and the acquisition.",
  clipping: "A channel is saturated at its range: check the sensor range, gain and mounting.",
  sample_rate_jitter: "Samples arrive at an irregular rate: check the acquisition's clock and the network.",
  missing_data: "No data from this asset for longer than expected: check the sensor, gateway and network.",
};

export interface ConditionTrackerOptions {
  readonly condition: QualityCondition;
  readonly site: string;
  readonly asset: string;
  readonly severity: Severity;
  /** Bad observations in a row that raise the condition. */
  readonly raiseAfter: number;
  /** Good observations in a row that clear it. */
  readonly clearAfter: number;
}

/**
 * Raises one quality condition of one asset after `raiseAfter` bad observations in a row and
 * clears it after `clearAfter` good ones; each change is an Advice (`raise` with a new episode,
 * `recover` with the episode's id). Counts what it saw. Pure: time comes in as arguments, and an
 * observation that changes nothing allocates nothing.
 */
export class ConditionTracker {
  readonly opts: ConditionTrackerOptions;
  /** Observations that were bad, raises so far. */
  readonly counts = { bad: 0, raised: 0 };
  private streak = 0;
  private isActive = false;
  private episodeId = "";
  private sinceMs = Number.NaN;

  constructor(opts: ConditionTrackerOptions) {
    this.opts = opts;
  }

  get active(): boolean {
    return this.isActive;
  }

  get since(): number {
    return this.sinceMs;
  }

  /** Feed one observation; returns the advice change it caused, or null. */
  observe(bad: boolean, windowTsMs: number, nowMs: number): Advice | null {
    if (bad) this.counts.bad++;
    if (bad === this.isActive) {
      this.streak = 0;
      return null;
    }
    this.streak++;
    if (this.streak < (bad ? this.opts.raiseAfter : this.opts.clearAfter)) return null;
    this.streak = 0;
    return bad ? this.raise(windowTsMs, nowMs) : this.recover(windowTsMs, nowMs);
  }

  private raise(windowTsMs: number, nowMs: number): Advice {
    const o = this.opts;
    this.isActive = true;
    this.sinceMs = nowMs;
    this.counts.raised++;
    this.episodeId = `${o.site}.${o.asset}.${o.condition}.${Math.round(nowMs).toString(36)}`;
    return this.advice(o.condition, o.severity, "raise", "normal", "ok", windowTsMs, nowMs);
  }

  private recover(windowTsMs: number, nowMs: number): Advice {
    const o = this.opts;
    this.isActive = false;
    this.sinceMs = nowMs;
    return this.advice("normal", "ok", "recover", o.condition, o.severity, windowTsMs, nowMs);
  }

  private advice(
    fault: string,
    severity: Severity,
    transition: "raise" | "recover",
    previousFault: string,
    previousSeverity: Severity,
    windowTsMs: number,
    nowMs: number,
  ): Advice {
    return {
      site: this.opts.site,
      asset: this.opts.asset,
      model: QUALITY_MODEL,
      modelVersion: "1",
      fault,
      severity,
      confidence: 1,
      action:
        transition === "raise" ? QUALITY_ACTIONS[this.opts.condition] : `${this.opts.condition} cleared.`,
      windowTsMs,
      changedAtMs: nowMs,
      episodeId: this.episodeId,
      previousFault,
      previousSeverity,
      transition,
      value: Number.NaN,
    };
  }
}

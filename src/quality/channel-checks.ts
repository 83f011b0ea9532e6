import type { ChannelConfig } from "../config/profile-schema.js";
import type { QualityConfig } from "../config/quality-schema.js";
import type { Window } from "../types.js";

/**
 * Per-window data-quality checks of one asset's channels: flatline, clipping and sample-rate
 * jitter. Each window gives, per check, whether any channel was bad and which; the trackers turn
 * runs of bad windows into conditions. No allocation per window: state lives in typed arrays.
 */

export interface ChannelCheckSetup {
  readonly channels: Readonly<Record<string, ChannelConfig>>;
  readonly windowing: "block" | "sliding" | "time";
  /** Time between consecutive block/sliding windows, ms (NaN for time windows or unknown rate). */
  readonly expectedIntervalMs: number;
  /** Length of a time window, ms (NaN otherwise). */
  readonly durationMs: number;
  readonly quality: QualityConfig;
}

/** Windows shorter than this are not checked for repeated extremes (too few samples to tell). */
const MIN_RUN_CHECK_SAMPLES = 64;

export class ChannelChecks {
  readonly names: readonly string[];
  private readonly s: ChannelCheckSetup;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly rateHz: Float64Array;
  /** Flat windows in a row, per channel. */
  private readonly flatRun: Int32Array;
  private prevT0 = Number.NaN;
  /** Results of the last window: a bit per channel (channel index < 31). */
  flatMask = 0;
  clipMask = 0;
  jitterMask = 0;
  /** Jitter of block/sliding windows is about timing, not a channel: reported as bit 0. */
  lastIntervalMs = Number.NaN;

  constructor(setup: ChannelCheckSetup) {
    this.s = setup;
    this.names = Object.keys(setup.channels).slice(0, 31);
    const cfg = (i: number) => setup.channels[this.names[i]!]!;
    this.min = Float64Array.from(this.names, (_, i) => cfg(i).min ?? Number.NaN);
    this.max = Float64Array.from(this.names, (_, i) => cfg(i).max ?? Number.NaN);
    this.rateHz = Float64Array.from(this.names, (_, i) => cfg(i).sampleRateHz ?? Number.NaN);
    this.flatRun = new Int32Array(this.names.length);
  }

  /** Checks one window; read the masks afterwards. */
  check(w: Window): void {
    const q = this.s.quality;
    this.flatMask = 0;
    this.clipMask = 0;
    this.jitterMask = 0;
    for (let c = 0; c < this.names.length; c++) {
      const x = w.channels[this.names[c]!];
      if (x === undefined || x.length === 0) continue;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (q.flatline.enabled) {
        this.flatRun[c] = hi - lo <= q.flatline.tolerance ? this.flatRun[c]! + 1 : 0;
        if (this.flatRun[c]! >= q.flatline.windows) this.flatMask |= 1 << c;
      }
      if (q.clipping.enabled && hi > lo && this.clipped(c, x, lo, hi)) this.clipMask |= 1 << c;
      if (q.jitter.enabled && this.s.windowing === "time") {
        const expected = this.rateHz[c]!;
        if (expected > 0 && this.s.durationMs > 0) {
          const rate = (x.length * 1000) / this.s.durationMs;
          if (Math.abs(rate - expected) / expected > q.jitter.tolerance) this.jitterMask |= 1 << c;
        }
      }
    }
    if (q.jitter.enabled && this.s.windowing !== "time") this.checkInterval(w);
  }

  private clipped(c: number, x: Float32Array, lo: number, hi: number): boolean {
    const q = this.s.quality.clipping;
    const min = this.min[c]!;
    const max = this.max[c]!;
    if (!Number.isNaN(min) || !Number.isNaN(max)) {
      let at = 0;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        if (v <= min || v >= max) at++;
      }
      return at > q.fraction * x.length;
    }
    if (this.s.windowing === "time" || x.length < MIN_RUN_CHECK_SAMPLES) return false;
    // No range given: a saturated converter repeats its extreme value; a live signal does not.
    let clippedSamples = 0;
    let run = 1;
    for (let i = 1; i <= x.length; i++) {
      const v = i < x.length ? x[i]! : Number.NaN;
      const prev = x[i - 1]!;
      if (v === prev && (v === hi || v === lo)) {
        run++;
        continue;
      }
      if (run >= q.run && (prev === hi || prev === lo)) clippedSamples += run;
      run = 1;
    }
    return clippedSamples >= q.run && clippedSamples > q.fraction * x.length;
  }

  private checkInterval(w: Window): void {
    const expected = this.s.expectedIntervalMs;
    const prev = this.prevT0;
    this.prevT0 = w.t0Ms;
    this.lastIntervalMs = w.t0Ms - prev;
    if (!(expected > 0) || Number.isNaN(prev)) return;
    const dt = w.t0Ms - prev;
    if (Math.abs(dt - expected) / expected > this.s.quality.jitter.tolerance) this.jitterMask |= 1;
  }

  /** Names of the channels whose bit is set. */
  channelsOf(mask: number): string[] {
    return this.names.filter((_, i) => (mask & (1 << i)) !== 0);
  }
}

import type { Reading, Window } from "../types.js";
import { GrowableSamples } from "./growable-samples.js";
import { emptyStats, type Windower } from "./windower.js";

export interface TimeWindowerOptions {
  /** Every channel of the asset; a window needs `minReadings` readings of each. */
  readonly channels: readonly string[];
  /** The channel named in Window.channel. */
  readonly primary: string;
  readonly durationMs: number;
  readonly minReadings: number;
  /** A reading later than this after the latest one so far counts as a gap; undefined: no gap check. */
  readonly gapToleranceMs: number | undefined;
}

/**
 * Time windows of scalar readings: periods [k·durationMs, (k+1)·durationMs) aligned to the
 * epoch, so the windows of all assets with the same duration line up. The readings of every
 * channel in a period go into per-channel buffers (reused); the period closes when a reading at
 * or after its end arrives, or when `flush(nowMs)` is called at or after its end. A closed period
 * is a window when every channel has at least `minReadings` readings, else it counts as
 * droppedSparse. A reading for a period already closed (or skipped) counts as late and is dropped.
 *
 * The window: one Float32Array per channel (the readings' samples in arrival order);
 * channel = the primary channel; t0Ms = ts of the earliest reading in it; tsMs = ts of the
 * reading that closed the period, or the period's end when flush closed it; sampleRateHz = NaN:
 * scalar readings come when they come, so the window has no sampling rate, and scalar features
 * (s_slope) are per reading — exactly as the training scripts compute them.
 */
export class TimeWindower implements Windower {
  readonly stats = emptyStats();
  private readonly o: TimeWindowerOptions;
  private readonly index = new Map<string, number>();
  private readonly buffers: GrowableSamples[];
  private readonly counts: Int32Array;
  /** Start of the open period, NaN when none is open. */
  private periodStartMs = Number.NaN;
  private closedUntilMs = Number.NEGATIVE_INFINITY;
  private firstMs = 0;
  private latestMs = Number.NaN;

  constructor(options: TimeWindowerOptions) {
    this.o = options;
    options.channels.forEach((c, i) => {
      this.index.set(c, i);
    });
    this.buffers = options.channels.map(() => new GrowableSamples());
    this.counts = new Int32Array(options.channels.length);
  }

  push(reading: Reading): Window[] {
    const k = this.index.get(reading.channel);
    if (k === undefined) return [];
    const ts = reading.tsMs;
    if (ts < this.closedUntilMs || ts < this.periodStartMs) {
      this.stats.late++;
      return [];
    }
    const tolerance = this.o.gapToleranceMs;
    if (tolerance !== undefined && ts - this.latestMs > tolerance) this.stats.gaps++;
    if (!(ts <= this.latestMs)) this.latestMs = ts;
    const out: Window[] = [];
    if (!Number.isNaN(this.periodStartMs) && ts >= this.periodStartMs + this.o.durationMs)
      this.close(ts, out);
    if (Number.isNaN(this.periodStartMs)) {
      this.periodStartMs = Math.floor(ts / this.o.durationMs) * this.o.durationMs;
      this.firstMs = ts;
    }
    if (ts < this.firstMs) this.firstMs = ts;
    this.buffers[k]!.append(reading.samples);
    this.counts[k]! += 1;
    return out;
  }

  flush(nowMs: number): Window[] {
    const out: Window[] = [];
    const endMs = this.periodStartMs + this.o.durationMs;
    if (nowMs >= endMs) this.close(endMs, out);
    return out;
  }

  reset(): void {
    this.clear();
    this.closedUntilMs = Number.NEGATIVE_INFINITY;
    this.latestMs = Number.NaN;
  }

  private close(tsMs: number, out: Window[]): void {
    const min = this.o.minReadings;
    if (this.counts.every((n) => n >= min)) {
      const channels: Record<string, Float32Array> = {};
      this.o.channels.forEach((c, i) => {
        channels[c] = this.buffers[i]!.copy();
      });
      out.push({
        channel: this.o.primary,
        t0Ms: this.firstMs,
        tsMs,
        sampleRateHz: Number.NaN,
        channels,
      });
    } else {
      this.stats.droppedSparse++;
    }
    this.closedUntilMs = this.periodStartMs + this.o.durationMs;
    this.clear();
  }

  private clear(): void {
    this.periodStartMs = Number.NaN;
    for (const b of this.buffers) b.clear();
    this.counts.fill(0);
  }
}

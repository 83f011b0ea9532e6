import type { Reading, Window } from "../types.js";
import { blockRate, Continuity, sampleTime } from "./continuity.js";
import { emptyStats, type Windower } from "./windower.js";

export interface SlidingWindowerOptions {
  readonly channel: string;
  /** Samples per window. */
  readonly samples: number;
  /** Samples between the starts of consecutive windows (≤ samples). */
  readonly hopSamples: number;
  readonly gapToleranceMs: number;
  /** The channel's rate from the profile, used when a reading carries none (NaN if unknown). */
  readonly channelRateHz: number;
}

/**
 * Sliding windows of one channel: once `samples` contiguous samples are in, a window, then
 * another every `hopSamples` new samples. Samples go into a ring buffer of `samples` floats;
 * each window is its own Float32Array copy in time order (it outlives the ring).
 * Gaps and rate changes restart the ring, as for block windows (see BlockWindower).
 * t0Ms is the time of the window's first sample, tsMs the ts of the reading that completed it.
 */
export class SlidingWindower implements Windower {
  readonly stats = emptyStats();
  private readonly o: SlidingWindowerOptions;
  private readonly continuity: Continuity;
  private readonly ring: Float32Array;
  /** Next write position in the ring. */
  private at = 0;
  /** Samples in the ring since the last restart (capped at the ring's size). */
  private held = 0;
  /** New samples still needed before the next window. */
  private need: number;
  private rateHz = Number.NaN;

  constructor(options: SlidingWindowerOptions) {
    this.o = options;
    this.continuity = new Continuity(options.gapToleranceMs);
    this.ring = new Float32Array(options.samples);
    this.need = options.samples;
  }

  push(reading: Reading): Window[] {
    const s = reading.samples;
    if (reading.channel !== this.o.channel || s.length === 0) return [];
    const rate = blockRate(reading, this.o.channelRateHz);
    if (this.continuity.follow(reading, rate)) {
      this.stats.gaps++;
      this.restart();
    } else if (this.held > 0 && !Object.is(rate, this.rateHz)) {
      this.stats.rateMismatches++;
      this.restart();
    }
    this.rateHz = rate;
    const size = this.o.samples;
    const ring = this.ring;
    const out: Window[] = [];
    let off = 0;
    while (off < s.length) {
      const n = Math.min(this.need, s.length - off);
      const first = Math.min(n, size - this.at);
      ring.set(s.subarray(off, off + first), this.at);
      if (n > first) ring.set(s.subarray(off + first, off + n), 0);
      this.at = (this.at + n) % size;
      this.held = Math.min(size, this.held + n);
      this.need -= n;
      off += n;
      if (this.need === 0) {
        const w = new Float32Array(size);
        w.set(ring.subarray(this.at));
        w.set(ring.subarray(0, this.at), size - this.at);
        out.push({
          channel: this.o.channel,
          t0Ms: sampleTime(reading.tsMs, off - size, rate),
          tsMs: reading.tsMs,
          sampleRateHz: rate,
          channels: { [this.o.channel]: w },
        });
        this.need = this.o.hopSamples;
      }
    }
    return out;
  }

  flush(_nowMs: number): Window[] {
    return [];
  }

  reset(): void {
    this.restart();
    this.continuity.reset();
  }

  private restart(): void {
    this.at = 0;
    this.held = 0;
    this.need = this.o.samples;
  }
}

import type { Reading, Window } from "../types.js";
import { blockRate, Continuity, sampleTime } from "./continuity.js";
import { emptyStats, type Windower } from "./windower.js";

export interface BlockWindowerOptions {
  readonly channel: string;
  /** Samples per window. */
  readonly samples: number;
  readonly gapToleranceMs: number;
  /** The channel's rate from the profile, used when a reading carries none (NaN if unknown). */
  readonly channelRateHz: number;
}

/**
 * Block windows of one channel: every `samples` contiguous samples make a window.
 *
 * - A reading of exactly `samples` samples, with nothing pending, is a window as it is: the
 *   window's array is the reading's own Float32Array (no copy).
 * - Shorter readings accumulate into a buffer; what is left over after a window is filled
 *   starts the next one. A buffer handed out in a window is never written again.
 * - A longer reading is cut into consecutive windows (views into the reading, no copy) and
 *   its remainder is kept.
 * - A reading that does not start where the previous one ended (± gapToleranceMs) counts a
 *   gap and drops what was pending; a reading whose rate differs from the pending samples'
 *   counts a rate mismatch and drops them too. Either way the reading itself starts afresh.
 * Readings of other channels are ignored. t0Ms is the time of the window's first sample,
 * tsMs the ts of the reading that completed it.
 */
export class BlockWindower implements Windower {
  readonly stats = emptyStats();
  private readonly o: BlockWindowerOptions;
  private readonly continuity: Continuity;
  private buffer: Float32Array;
  private filled = 0;
  private t0Ms = 0;
  private rateHz = Number.NaN;

  constructor(options: BlockWindowerOptions) {
    this.o = options;
    this.continuity = new Continuity(options.gapToleranceMs);
    this.buffer = new Float32Array(options.samples);
  }

  push(reading: Reading): Window[] {
    const s = reading.samples;
    if (reading.channel !== this.o.channel || s.length === 0) return [];
    const rate = blockRate(reading, this.o.channelRateHz);
    if (this.continuity.follow(reading, rate)) {
      this.stats.gaps++;
      this.filled = 0;
    } else if (this.filled > 0 && !Object.is(rate, this.rateHz)) {
      this.stats.rateMismatches++;
      this.filled = 0;
    }
    const size = this.o.samples;
    const out: Window[] = [];
    let off = 0;
    while (off < s.length) {
      if (this.filled === 0) {
        if (s.length - off >= size) {
          const part = off === 0 && s.length === size ? s : s.subarray(off, off + size);
          out.push(this.window(part, sampleTime(reading.tsMs, off, rate), reading.tsMs, rate));
          off += size;
          continue;
        }
        this.t0Ms = sampleTime(reading.tsMs, off, rate);
        this.rateHz = rate;
      }
      const n = Math.min(size - this.filled, s.length - off);
      this.buffer.set(n === s.length ? s : s.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === size) {
        out.push(this.window(this.buffer, this.t0Ms, reading.tsMs, this.rateHz));
        this.buffer = new Float32Array(size);
        this.filled = 0;
      }
    }
    return out;
  }

  flush(_nowMs: number): Window[] {
    return [];
  }

  reset(): void {
    this.filled = 0;
    this.continuity.reset();
  }

  private window(samples: Float32Array, t0Ms: number, tsMs: number, sampleRateHz: number): Window {
    return { channel: this.o.channel, t0Ms, tsMs, sampleRateHz, channels: { [this.o.channel]: samples } };
  }
}

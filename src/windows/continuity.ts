import type { Reading } from "../types.js";

/**
 * Whether consecutive blocks of one channel are contiguous in time: the next block should start
 * where the previous one ended, previous ts + previous samples / rate. A start further than the
 * tolerance from that, early or late, is a gap. With an unknown rate (NaN) nothing is a gap.
 */
export class Continuity {
  private expectedMs = Number.NaN;
  private readonly toleranceMs: number;

  constructor(toleranceMs: number) {
    this.toleranceMs = toleranceMs;
  }

  /** True when `reading` does not follow the previous one; then remembers where it ends. */
  follow(reading: Reading, sampleRateHz: number): boolean {
    const gap = Math.abs(reading.tsMs - this.expectedMs) > this.toleranceMs;
    this.expectedMs = reading.tsMs + (reading.samples.length * 1000) / sampleRateHz;
    return gap;
  }

  reset(): void {
    this.expectedMs = Number.NaN;
  }
}

/** The rate of a reading's block: the message's, else the channel's from the profile (NaN if neither). */
export function blockRate(reading: Reading, channelRateHz: number): number {
  return Number.isNaN(reading.sampleRateHz) ? channelRateHz : reading.sampleRateHz;
}

/** Time of sample `index` of a block starting at `tsMs` (the block's start when the rate is unknown). */
export function sampleTime(tsMs: number, index: number, sampleRateHz: number): number {
  const t = tsMs + (index * 1000) / sampleRateHz;
  return Number.isNaN(t) ? tsMs : t;
}

import type { Reading, Window } from "../types.js";

/** Counters of what a windower threw away or restarted on; cumulative, never reset. */
export interface WindowerStats {
  /** Readings not contiguous with the one before (block/sliding) or too long after it (time). */
  gaps: number;
  /** Readings whose sample rate differed from the window being filled (block/sliding). */
  rateMismatches: number;
  /** Time windows closed with fewer than `minReadings` readings in some channel. */
  droppedSparse: number;
  /** Readings for a time period that was already closed (time). */
  late: number;
}

/** Cuts one asset's readings into windows. Pure: time comes in the readings and in `flush(nowMs)`. */
export interface Windower {
  /** Feeds one reading; returns the windows it completed (often 0 or 1). */
  push(reading: Reading): Window[];
  /** Time windows close by time: emits a window whose period ended by nowMs. Block/sliding: no-op ([]). */
  flush(nowMs: number): Window[];
  readonly stats: WindowerStats;
  /** Drops partial windows and the continuity state (as after a reconnect); the stats stay. */
  reset(): void;
}

export function emptyStats(): WindowerStats {
  return { gaps: 0, rateMismatches: 0, droppedSparse: 0, late: 0 };
}

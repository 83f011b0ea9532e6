/**
 * C-MAPSS engines as the agent sees them: one JSON scalar message per cycle
 * (`{"ts", "cycle", "s2", "s3", …}`), windowed as a time window of the last `windowSamples`
 * cycles (fewer at the start of a trajectory). Remaining life is capped, as in the usual protocol.
 */

import type { Window } from "../types.js";
import type { CmapssEngine } from "./cmapss.js";

/** The 14 sensors of FD001 that are not constant (s1, s5, s6, s10, s16, s18, s19 are). */
export const CMAPSS_INFORMATIVE_SENSORS = [
  "s2",
  "s3",
  "s4",
  "s7",
  "s8",
  "s9",
  "s11",
  "s12",
  "s13",
  "s14",
  "s15",
  "s17",
  "s20",
  "s21",
] as const;

/** Remaining life is capped here: early in life the true RUL is not observable. */
export const RUL_CAP = 125;

/** Milliseconds between cycles in the timestamps of these windows (one message per cycle). */
export const CYCLE_PERIOD_MS = 1000;

/**
 * The window ending at row `last` (inclusive) of an engine: its last `windowSamples` cycles of
 * every channel (views, not copies). Stamped with the cycle number × CYCLE_PERIOD_MS.
 */
export function cmapssWindow(e: CmapssEngine, last: number, windowSamples: number): Window {
  if (!(last >= 0 && last < e.nCycles)) throw new RangeError(`unit ${e.unit}: row ${last} of ${e.nCycles}`);
  const first = Math.max(0, last - windowSamples + 1);
  const channels: Record<string, Float32Array> = {};
  for (const [name, col] of Object.entries(e.columns)) channels[name] = col.subarray(first, last + 1);
  const cycle = (i: number) => e.columns.cycle?.[i] ?? i + 1;
  return {
    channel: "cycle",
    t0Ms: cycle(first) * CYCLE_PERIOD_MS,
    tsMs: cycle(last) * CYCLE_PERIOD_MS,
    // Scalar time windows carry no sample rate (NaN): slopes are per cycle.
    sampleRateHz: Number.NaN,
    channels,
  };
}

/** Rows at which windows end: every `hop` rows back from the last row, down to the first full window. */
export function windowEnds(e: CmapssEngine, windowSamples: number, hop = 1): number[] {
  const ends: number[] = [];
  const firstFull = Math.min(windowSamples, e.nCycles) - 1;
  for (let last = e.nCycles - 1; last >= firstFull; last -= hop) ends.push(last);
  return ends.reverse();
}

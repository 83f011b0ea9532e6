/**
 * AI4I records as the agent sees them: one JSON scalar message per record
 * (`{"ts", "air_temp_k", "process_temp_k", "rpm", "torque_nm", "tool_wear_min", "type_code"}`),
 * windowed as a time window holding that one reading. Product type L/M/H travels as the numeric
 * channel `type_code` = 0/1/2. The failure mode of a record, as the machine-failure model's class.
 */

import type { Window } from "../types.js";
import type { Ai4iRecord, ProductType } from "./ai4i-csv.js";

/** Channels of an AI4I reading, in the device profile's order. */
export const AI4I_CHANNELS = [
  "air_temp_k",
  "process_temp_k",
  "rpm",
  "torque_nm",
  "tool_wear_min",
  "type_code",
] as const;

/** `type_code` of each product type (L = low, M = medium, H = high quality variant). */
export const TYPE_CODES: Readonly<Record<ProductType, number>> = { L: 0, M: 1, H: 2 };

/**
 * Classes of the machine-failure model. A record with several modes takes the first in
 * FAILURE_MODE_PRIORITY; a failure with no mode, or only the random RNF, is `none` (nothing
 * in the reading predicts it).
 */
export const FAILURE_MODE_LABELS = ["none", "heat_dissipation", "power", "overstrain", "tool_wear"] as const;
export type FailureMode = (typeof FAILURE_MODE_LABELS)[number];

/** Rule-driven modes first (their rules are exact), the random-onset tool wear last. */
export const FAILURE_MODE_PRIORITY: readonly FailureMode[] = [
  "heat_dissipation",
  "power",
  "overstrain",
  "tool_wear",
];

/** The record's class (see FAILURE_MODE_LABELS for ties and unexplained failures). */
export function failureModeOf(r: Ai4iRecord): FailureMode {
  const flags: Record<Exclude<FailureMode, "none">, boolean> = {
    heat_dissipation: r.hdf,
    power: r.pwf,
    overstrain: r.osf,
    tool_wear: r.twf,
  };
  for (const m of FAILURE_MODE_PRIORITY) if (m !== "none" && flags[m]) return m;
  return "none";
}

/** The record as one reading per channel. */
export function ai4iReading(r: Ai4iRecord): Record<(typeof AI4I_CHANNELS)[number], number> {
  return {
    air_temp_k: r.airTempK,
    process_temp_k: r.processTempK,
    rpm: r.rpm,
    torque_nm: r.torqueNm,
    tool_wear_min: r.toolWearMin,
    type_code: TYPE_CODES[r.type],
  };
}

/** A time window holding the one reading of the record, stamped `tsMs`. */
export function ai4iWindow(r: Ai4iRecord, tsMs: number): Window {
  const reading = ai4iReading(r);
  const channels: Record<string, Float32Array> = {};
  for (const c of AI4I_CHANNELS) channels[c] = Float32Array.of(reading[c]);
  // Scalar time windows carry no sample rate (NaN), as the agent's time windows do.
  return { channel: AI4I_CHANNELS[0], t0Ms: tsMs, tsMs, sampleRateHz: Number.NaN, channels };
}

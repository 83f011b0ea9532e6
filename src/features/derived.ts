import type { ChannelContext } from "./channel-context.js";
import type { BoundFeature, FeatureFamily } from "./feature-family.js";

/**
 * Features that relate two channels of one window, for relations a model would otherwise have to
 * approximate from the raw readings with many splits. A spec names both channels:
 *
 * - `x_diff@a:b` = last(a) − last(b), e.g. `x_diff@process_temp_k:air_temp_k` (ΔT, heat dissipation);
 * - `x_prod@a:b` = last(a) × last(b), e.g. `x_prod@torque_nm:rpm` (power: W = value × 2π/60) or
 *   `x_prod@tool_wear_min:torque_nm` (overstrain load, min·Nm).
 *
 * last(c) is the latest reading of channel c in the window (its last sample: the value `s_last@c`
 * gives), so the pair is the machine's current state even when the channels report at different
 * rates. Computed in float64 from the float32 samples, stored as float32. NaN when either channel
 * has no reading in the window (the extractor checks every operand).
 */
export const DERIVED_FEATURES = ["x_diff", "x_prod"] as const;
export type DerivedFeature = (typeof DERIVED_FEATURES)[number];

function bindPair(kind: DerivedFeature, operands: readonly ChannelContext[]): BoundFeature {
  const a = operands[0];
  const b = operands[1];
  if (a === undefined || b === undefined) {
    throw new RangeError(`${kind} binds to two channels, got ${operands.length}`);
  }
  if (kind === "x_diff") {
    return (out, i) => {
      const x = a.samples;
      const y = b.samples;
      out[i] = x[x.length - 1]! - y[y.length - 1]!;
    };
  }
  return (out, i) => {
    const x = a.samples;
    const y = b.samples;
    out[i] = x[x.length - 1]! * y[y.length - 1]!;
  };
}

export const derivedFamily: FeatureFamily = {
  family: "derived",
  names: DERIVED_FEATURES,
  resolve(name) {
    if (!(DERIVED_FEATURES as readonly string[]).includes(name)) return undefined;
    const kind = name as DerivedFeature;
    return {
      ok: true,
      operands: 2,
      usesShaftSpeed: false,
      bind: (_ctx, operands) => bindPair(kind, operands),
    };
  },
};

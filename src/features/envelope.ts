import type { FeatureParams } from "../config/profile-schema.js";
import type { ChannelContext } from "./channel-context.js";
import { EnvelopeSpectrum, LINE_TOLERANCE } from "./envelope-spectrum.js";
import type { FeatureFamily, Resolution, ResolveOptions } from "./feature-family.js";

/**
 * Bearing-fault features from the envelope spectrum (see EnvelopeSpectrum):
 * - `env_<order>`: how much the envelope spectrum stands out at 1× the defect frequency
 *   (params.defectOrders[<order>] × shaft Hz), a scale-free ratio (≈1 for no line);
 * - `env_<order>_h2`: the same at 2×;
 * - `env_kurtosis`: kurtosis of the envelope; `env_rms_ratio`: rms of the band / rms of the signal.
 *
 * Overlapping lines: when a line lies within tolerance of another defect's 1×, 2× or 3× line (for
 * the CWRU bearing, 2×BPFI and 3×BPFO are 0.7% apart), the spectrum cannot tell whose line it is.
 * Its ratio is then credited by the fundamentals: multiplied by own1× / max(other 1×) when another
 * defect's fundamental stands out more than this defect's own (unchanged otherwise). So an outer
 * race fault does not light up env_bpfi_h2 through its 3rd harmonic, and an inner race fault keeps it.
 */
export const DEFAULT_ENVELOPE_BAND_HZ: readonly [number, number] = [2000, 5000];
/** Harmonics of the other defects checked for overlap. */
const OVERLAP_HARMONICS = 3;

export const ENVELOPE_FEATURES = ["env_<order>", "env_<order>_h2", "env_kurtosis", "env_rms_ratio"] as const;

export function envelopeBand(params: FeatureParams): readonly [number, number] {
  return params.envelopeBandHz ?? DEFAULT_ENVELOPE_BAND_HZ;
}

function envelopeOf(ctx: ChannelContext, band: readonly [number, number]): EnvelopeSpectrum {
  return ctx.slot("envelope", (c) => new EnvelopeSpectrum(c, band));
}

/** Orders of the other defects whose 1×…3× lines overlap `target` (in orders) within tolerance. */
export function overlappingOrders(
  target: number,
  key: string,
  orders: Readonly<Record<string, number>>,
): number[] {
  const found: number[] = [];
  for (const [other, order] of Object.entries(orders)) {
    if (other === key) continue;
    for (let h = 1; h <= OVERLAP_HARMONICS; h++) {
      const f = h * order;
      if (Math.abs(f - target) <= LINE_TOLERANCE * (f + target)) {
        found.push(order);
        break;
      }
    }
  }
  return found;
}

function bandProblem(name: string, band: readonly [number, number], sampleRateHz?: number): string | null {
  if (!(band[0] < band[1])) return `${name}: params.envelopeBandHz must be [low, high] with low < high`;
  if (sampleRateHz !== undefined && sampleRateHz > 0 && band[0] >= sampleRateHz / 2) {
    return `${name}: the envelope band [${band[0]}, ${band[1]}] Hz lies above the Nyquist frequency (${sampleRateHz / 2} Hz); set params.envelopeBandHz`;
  }
  return null;
}

function lineFeature(name: string, opts: ResolveOptions): Resolution {
  const params = opts.params;
  const orders = params.defectOrders ?? {};
  let key = name.slice("env_".length);
  let harmonic = 1;
  if (!Object.hasOwn(orders, key) && key.endsWith("_h2")) {
    key = key.slice(0, -"_h2".length);
    harmonic = 2;
  }
  const hasShaft =
    params.shaftHz !== undefined || params.shaftRpm !== undefined || params.rpmChannel !== undefined;
  const order = Object.hasOwn(orders, key) ? orders[key] : undefined;
  if (order === undefined || !hasShaft) {
    return {
      ok: false,
      message: `${name} needs params.defectOrders.${key} and a shaft speed (shaftHz, shaftRpm or rpmChannel)`,
    };
  }
  // Orders evaluated per window: [this line, and when it overlaps others: own 1×, their 1×…].
  const others = overlappingOrders(harmonic * order, key, orders);
  const lines = Float64Array.from(
    others.length > 0 ? [harmonic * order, order, ...others] : [harmonic * order],
  );
  const band = envelopeBand(params);
  return {
    ok: true,
    usesShaftSpeed: true,
    bind: (ctx) => {
      const env = envelopeOf(ctx, band);
      const ratios = new Float64Array(lines.length);
      return (out, i) => {
        env.update().lineRatios(lines, ratios);
        let v = ratios[0]!;
        if (lines.length > 1 && v > 0) {
          const own = ratios[1]!;
          let strongest = 0;
          for (let j = 2; j < lines.length; j++) if (ratios[j]! > strongest) strongest = ratios[j]!;
          if (strongest > own) v = (v * own) / strongest;
        }
        out[i] = v;
      };
    },
  };
}

export const envelopeFamily: FeatureFamily = {
  family: "envelope",
  names: ENVELOPE_FEATURES,
  resolve(name, opts) {
    if (!name.startsWith("env_") || name.length === "env_".length) return undefined;
    const band = envelopeBand(opts.params);
    const problem = bandProblem(name, band, opts.sampleRateHz);
    if (problem !== null) return { ok: false, message: problem };
    if (name === "env_kurtosis" || name === "env_rms_ratio") {
      const kurtosis = name === "env_kurtosis";
      return {
        ok: true,
        usesShaftSpeed: false,
        bind: (ctx) => {
          const env = envelopeOf(ctx, band);
          return (out, i) => {
            env.update();
            out[i] = kurtosis ? env.kurtosis : env.bandRmsRatio;
          };
        },
      };
    }
    return lineFeature(name, opts);
  },
};

import type { FeatureParams } from "../../../src/config/profile-schema.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import type { Window } from "../../../src/types.js";
import { WORKLOAD_FEATURES } from "../../../src/features/workload-features.js";

export { WORKLOAD_FEATURES };

/** CWRU drive-end bearing (SKF 6205), as multiples of shaft speed. */
export const CWRU_ORDERS = { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 };

export function windowOf(channels: Record<string, Float32Array>, sampleRateHz = 12000): Window {
  return { channel: Object.keys(channels)[0] ?? "acc", t0Ms: 0, tsMs: 0, sampleRateHz, channels };
}

/** The features of one window of channel `acc` (or the given channels), as plain numbers. */
export function featuresOf(
  specs: readonly string[],
  samples: Float32Array | Record<string, Float32Array>,
  params: FeatureParams = {},
  sampleRateHz = 12000,
): number[] {
  const channels = samples instanceof Float32Array ? { acc: samples } : samples;
  const length = Object.values(channels)[0]?.length ?? 0;
  const extractor = new FeatureExtractor(specs, {
    primaryChannel: "acc",
    sampleRateHz: sampleRateHz > 0 ? sampleRateHz : 12000,
    windowSamples: length,
    params,
  });
  const out = new Float32Array(extractor.size);
  extractor.compute(windowOf(channels, sampleRateHz), out);
  return [...out];
}

export function tone(n: number, cyclesPerWindow: number, amplitude = 1, phase = 0): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => amplitude * Math.sin((2 * Math.PI * cyclesPerWindow * i) / n + phase),
  );
}

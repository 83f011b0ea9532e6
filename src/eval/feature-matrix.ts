/**
 * Feature rows for a list of windows, computed by the agent's own FeatureExtractor: the one
 * feature code that training scripts and `edge-agent eval` share with the running agent.
 */

import type { FeatureParams } from "../config/profile-schema.js";
import { FeatureExtractor } from "../features/feature-extractor.js";
import type { Manifest } from "../inference/manifest-schema.js";
import type { FeatureMatrix } from "../training/trees-binning.js";
import type { Window } from "../types.js";

export interface FeatureSetup {
  readonly features: readonly string[];
  /** Channel read by specs without `@channel`. */
  readonly primaryChannel: string;
  /** NaN for scalar time windows (they carry no rate). */
  readonly sampleRateHz: number;
  readonly windowSamples: number;
  readonly params: FeatureParams;
}

/** The channel specs without `@` read: the only channel the specs name, else `fallback`. */
export function primaryChannelOf(features: readonly string[], fallback: string): string {
  const named = new Set(
    features.flatMap((f) => (f.includes("@") ? f.slice(f.indexOf("@") + 1).split(":") : [])),
  );
  return named.size === 1 ? [...named][0]! : fallback;
}

/** The feature setup a model's manifest describes. */
export function setupFromManifest(m: Manifest, primaryChannel: string): FeatureSetup {
  return {
    features: m.input.features,
    primaryChannel,
    sampleRateHz: m.input.sampleRateHz ?? Number.NaN,
    windowSamples: m.input.windowSamples ?? 1,
    params: m.input.params,
  };
}

/** One row of features per window (row-major float32), in window order. */
export function featureMatrix(setup: FeatureSetup, windows: readonly Window[]): FeatureMatrix {
  const fx = new FeatureExtractor(setup.features, {
    primaryChannel: setup.primaryChannel,
    sampleRateHz: setup.sampleRateHz,
    windowSamples: setup.windowSamples,
    params: setup.params,
  });
  const values = new Float32Array(windows.length * fx.size);
  windows.forEach((w, i) => {
    fx.compute(w, values, i * fx.size);
  });
  return { nRows: windows.length, nFeatures: fx.size, values };
}

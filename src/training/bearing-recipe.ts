import type { BearingRecipe } from "./bearing-model.js";
import type { BearingSplitOptions } from "./bearing-folds.js";
import { WORKLOAD_FEATURES } from "../features/workload-features.js";

/**
 * The shipped bearing-vibration recipe, chosen on the cross-size folds (train on one fault
 * size, test on the other; scripts/train/bearing-vibration.ts --select prints the comparison).
 *
 * Features: envelope-spectrum lines at 1× and 2× of each defect order (2×BSF is the ball-spin
 * impact rate), each a ratio to the nearby envelope level; the envelope's kurtosis and the
 * share of the signal's rms in the envelope band (impacts ring the structure's resonance,
 * a healthy bearing's vibration sits elsewhere); the signal's kurtosis, crest, skewness,
 * shape and impulse factors. All are scale-free: no rms, peak or band power in g.
 * Ratios and kurtoses enter the network as logs (their spread is multiplicative: a larger
 * defect multiplies them), skewness as it is.
 *
 * Envelope band 2.5-4 kHz: where the CWRU drive-end impacts ring (2.5-4 kHz holds 70-90% of
 * the fault recordings' energy); 2-5 kHz also takes in a 4.1 kHz component of the healthy
 * recording and did worse on the folds.
 */

export const BEARING_LABELS = ["normal", "inner_race", "outer_race", "ball"] as const;
export const NORMAL_LABEL = "normal";

/** Defect frequencies as multiples of shaft speed (SKF 6205-2RS, from the dataset's manifest). */
export const CWRU_DE_ORDERS = { bpfo: 3.5848, bpfi: 5.4152, bsf: 4.7135, ftf: 0.39828 } as const;

const LINES = ["env_bpfo", "env_bpfo_h2", "env_bpfi", "env_bpfi_h2", "env_bsf", "env_bsf_h2"];
const SHAPE = ["kurtosis", "crest", "skewness", "shape", "impulse"];

export const BEARING_FEATURES = [...LINES, "env_kurtosis", "env_rms_ratio", ...SHAPE];

/** Features not taken as logs (they can be negative). */
const NOT_LOGGED = new Set(["skewness"]);
export function logInputsFor(features: readonly string[]): boolean[] {
  return features.map((f) => !NOT_LOGGED.has(f));
}

export const BEARING_RECIPE: BearingRecipe = {
  features: BEARING_FEATURES,
  params: { defectOrders: { ...CWRU_DE_ORDERS }, envelopeBandHz: [2500, 4000] },
  hidden: [16],
  epochs: 150,
  batchSize: 64,
  lr: 0.003,
  weightDecay: 1e-3,
  patience: 20,
  logInputs: true,
};

/**
 * Windows of 2048 samples (0.17 s at 12 kHz: ~18 outer-race impacts, 5.9 Hz envelope bins)
 * with a hop of 1024; the short healthy recording is cut with a hop of 256 for training.
 */
export const BEARING_SPLIT: BearingSplitOptions = {
  windowSamples: 2048,
  hopSamples: 1024,
  normalTrainHopSamples: 256,
  innerValShare: 0.2,
  normalLabel: NORMAL_LABEL,
};

/** Alternatives compared on the folds by `--select` (same optimiser, 3 seeds). */
export const CANDIDATE_RECIPES: Readonly<Record<string, BearingRecipe>> = {
  shipped: BEARING_RECIPE,
  "no log": { ...BEARING_RECIPE, logInputs: false },
  "hidden 8": { ...BEARING_RECIPE, hidden: [8] },
  "hidden 32": { ...BEARING_RECIPE, hidden: [32] },
  "band 2-5 kHz": { ...BEARING_RECIPE, params: { ...BEARING_RECIPE.params, envelopeBandHz: [2000, 5000] } },
  "lines + env_kurtosis only": { ...BEARING_RECIPE, features: [...LINES, "env_kurtosis"] },
  "without env_rms_ratio": {
    ...BEARING_RECIPE,
    features: BEARING_FEATURES.filter((f) => f !== "env_rms_ratio"),
  },
  "1× lines only": {
    ...BEARING_RECIPE,
    features: BEARING_FEATURES.filter((f) => !f.endsWith("_h2")),
  },
  "generic 16 (levels, bands)": {
    ...BEARING_RECIPE,
    features: [...WORKLOAD_FEATURES],
    logInputs: false,
  },
};

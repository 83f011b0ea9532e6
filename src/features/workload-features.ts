/**
 * The 16 features of the reference workload (shared/bench/WORKLOAD.md), in its order: the
 * benchmark model's input, and the generic vibration feature set.
 */
export const WORKLOAD_FEATURES: readonly string[] = [
  "mean",
  "std",
  "rms",
  "peak",
  "p2p",
  "crest",
  "skewness",
  "kurtosis",
  "shape",
  "impulse",
  "band0",
  "band1",
  "band2",
  "band3",
  "band4",
  "band5",
];

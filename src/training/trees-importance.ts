/**
 * Gain importances of a trained tree ensemble, per output (class): which features the trees
 * split on to tell that class apart, as shares that sum to 1 per class. Recorded in a model's
 * manifest so that advice can say why.
 */

export type ImportanceTable = Record<string, Record<string, number>>;

/**
 * `gain[feature * nOutputs + k]` (from the learners) → `{ [output]: { [feature]: share } }`,
 * features by descending share, shares rounded to `digits` decimals. A binary one-score model
 * has one output; name it with a single entry in `outputNames`.
 */
export function importanceByOutput(
  gain: Float64Array,
  featureNames: readonly string[],
  outputNames: readonly string[],
  digits = 4,
): ImportanceTable {
  const nF = featureNames.length;
  const K = outputNames.length;
  if (gain.length !== nF * K)
    throw new RangeError(`gain has ${gain.length} values for ${nF} features × ${K} outputs`);
  const scale = 10 ** digits;
  const out: ImportanceTable = {};
  outputNames.forEach((name, k) => {
    let total = 0;
    for (let f = 0; f < nF; f++) total += Math.max(0, gain[f * K + k]!);
    const shares = featureNames
      .map((feature, f) => ({ feature, share: total > 0 ? Math.max(0, gain[f * K + k]!) / total : 0 }))
      .sort((a, b) => b.share - a.share || a.feature.localeCompare(b.feature));
    out[name] = Object.fromEntries(shares.map((s) => [s.feature, Math.round(s.share * scale) / scale]));
  });
  return out;
}

/** Gain summed over outputs, as shares (overall importance). */
export function overallImportance(
  gain: Float64Array,
  featureNames: readonly string[],
  digits = 4,
): Record<string, number> {
  const nF = featureNames.length;
  const K = gain.length / nF;
  const summed = new Float64Array(nF);
  for (let f = 0; f < nF; f++) for (let k = 0; k < K; k++) summed[f]! += Math.max(0, gain[f * K + k]!);
  return importanceByOutput(summed, featureNames, ["all"], digits).all!;
}

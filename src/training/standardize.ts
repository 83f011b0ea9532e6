/**
 * Per-column mean and spread of a row-major matrix, for standardisation inside a model.
 * A column with no spread (or non-finite values) gets scale 1 so that dividing is harmless.
 */
export function columnStats(X: ArrayLike<number>, d: number): { mean: Float64Array; scale: Float64Array } {
  const rows = Math.floor(X.length / d);
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (X[r * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = rows > 0 ? (mean[j] as number) / rows : 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) {
      const c = (X[r * d + j] as number) - (mean[j] as number);
      scale[j] = (scale[j] as number) + c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = rows > 1 ? Math.sqrt((scale[j] as number) / rows) : 0;
    scale[j] = Number.isFinite(s) && s > 1e-12 ? s : 1;
    if (!Number.isFinite(mean[j] as number)) mean[j] = 0;
  }
  return { mean, scale };
}
